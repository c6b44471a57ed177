"""scripts/benchmark.py runs end to end on a tiny size and writes every field (not a speed test)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import duckdb

from dbt_runner import PROJECT_ROOT
from retention_tools.benchmark import HISTORY_NODES
from retention_tools.publish import default_published


def test_benchmark_writes_every_field(tmp_path):
    output = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "benchmark.py"),
            "--customers",
            "60",
            "--output",
            str(output),
            "--workdir",
            str(tmp_path / "work"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(output.read_text())
    assert result["customers"] == 180
    assert result["events"] > 180 * 20
    for key in ("generate_seconds", "build_seconds", "floor_seconds", "peak_rss_mb", "build_to_floor"):
        assert isinstance(result[key], (int, float)) and result[key] > 0, key
    assert result["build_seconds"] > result["floor_seconds"]
    models = {p.stem for p in (PROJECT_ROOT / "models").rglob("*") if p.suffix in (".sql", ".py")}
    seconds = [row["seconds"] for row in result["slowest_models"]]
    assert len(seconds) == 8 and seconds == sorted(seconds, reverse=True)
    assert {row["name"] for row in result["slowest_models"]} <= models
    assert all(row["seconds"] >= 0 for row in result["slowest_models"] + result["slowest_tests"])
    assert "slowest models:" in proc.stdout and "build_seconds" in proc.stdout

    # --reuse-data builds again on the data of the first run instead of generating it;
    # --history-runs K times the scheduled run of the first build's date after K earlier runs.
    again = tmp_path / "again.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "benchmark.py"),
            "--customers",
            "60",
            "--output",
            str(again),
            "--workdir",
            str(tmp_path / "work"),
            "--reuse-data",
            "--history-runs",
            "1,4",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    second = json.loads(again.read_text())
    assert second["generate_seconds"] is None and "reusing the data" in proc.stdout
    assert second["events"] == result["events"] and second["build_seconds"] > 0
    assert result["history_runs"] == [] and "runs kept" in proc.stdout
    one, four = second["history_runs"]
    assert (one["runs_kept"], four["runs_kept"]) == (1, 4)
    assert four["history_rows"] == 4 * one["history_rows"] > 0
    for row in (one, four):
        assert set(row) == {
            "runs_kept",
            "history_rows",
            "prepare_seconds",
            "run_seconds",
            *HISTORY_NODES,
            "history_tests",
            "publish_seconds",
            "history_dates_copied",
        }
        for key in ("prepare_seconds", "run_seconds", *HISTORY_NODES, "history_tests", "publish_seconds"):
            assert isinstance(row[key], float) and row[key] > 0, key
        # the timed run publishes its own date only: the earlier dates stay as the copy holds them
        assert row["history_dates_copied"] == 1

    # after the last (K = 4): the 4 synthetic runs and the timed one, a day apart and chained
    with duckdb.connect(str(tmp_path / "work" / "retention.duckdb"), read_only=True) as con:
        check_history_after_four_runs(con)
    with duckdb.connect(str(default_published(tmp_path / "work" / "retention.duckdb")), read_only=True) as con:
        published = con.execute("select count(distinct as_of_date) from marts.segment_history").fetchone()[0]
    assert published == 5


def check_history_after_four_runs(con):
    as_of = con.execute("select max(as_of_date) from marts.history_runs").fetchone()[0]
    runs = con.execute("""select as_of_date, previous_as_of_date, invocation_id, count(*)
                          from marts.history_runs group by all order by as_of_date""").fetchall()
    days = [as_of - timedelta(days=k) for k in range(4, -1, -1)]
    assert [run[0] for run in runs] == days
    assert [run[1] for run in runs] == [None, *days[:-1]]  # the timed run follows as_of - 1
    assert [run[2] for run in runs[:-1]] == [f"benchmark-4-{k}" for k in range(4, 0, -1)]
    assert not runs[-1][2].startswith("benchmark") and runs[-1][3] == 3  # the timed run, per organisation
    for table in ("segment_history", "behavior_signal_history"):
        dates = con.execute(f"select list(distinct as_of_date order by as_of_date) from marts.{table}").fetchone()[0]
        assert dates == days, table
    # the earlier runs are copies of the timed one's rows, so nobody moved at the timed run
    moved, changed, first_kept = con.execute(
        """select count(*) filter (where as_of_date > ? and previous_segment is distinct from segment),
                  count(*) filter (where segment_changed_on is not null),
                  count(*) filter (where as_of_date = ? and previous_segment is not null)
           from marts.segment_history""",
        [days[0], days[0]],
    ).fetchone()
    assert (moved, changed, first_kept) == (0, 0, 0)
    segments = con.execute("select count(*) from marts.segment_definitions").fetchone()[0]
    pairs = con.execute(
        """select to_as_of_date, from_as_of_date, count(*), sum(customer_count),
                  sum(customer_count) filter (where from_segment <> to_segment)
           from marts.segment_migration group by all order by to_as_of_date"""
    ).fetchall()
    customers = con.execute("select count(*) from marts.segment_history where as_of_date = ?", [as_of]).fetchone()[0]
    assert pairs == [(day, day - timedelta(days=1), 3 * segments * segments, customers, 0) for day in days[1:]]
