"""The history's commit on Spark is all or nothing (macros/history/history_spark.sql:
write-audit-publish, since Spark has no transactions).

On the hand-made fixture, on the Spark server: one passed run (D1). Then runs of D2 killed with
SIGKILL at each stage of the commit: after one table's rows were written ("rows"), when every
row is written and the commit marker is about to be ("marker"), and after the marker, while it
drops the partitions nothing shows any more ("cleanup"). Before the marker the history is the
one the last passed run left, row for row; after it the run is there whole. A normal run of D2
afterwards commits and leaves no partition that no commit shows (the killed runs' rows and the
superseded ones are dropped). Last, a history table of the earlier layout (a table partitioned
by date) is adopted by the next run's start with its rows unchanged.

Deterministic on a busy machine: the run is a dbt process whose queries pass through a
test-only hook (WRAPPER) that, at the stage's statement, writes a file and waits; the test kills
only once that file exists.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dbt_runner import make_project
from engines import build_history, fit, load_raw
from handmade import FIXTURE, copy_raw

pytest.importorskip("pyspark", reason="requirements-spark.txt is not installed")

TARGET = "spark_thrift"
D1, D2 = "2026-05-01", "2026-06-01"
TABLES = {
    "history_runs": "as_of_date",
    "segment_history": "as_of_date",
    "segment_migration": "to_as_of_date",
    "behavior_signal_history": "as_of_date",
}
WRAPPER = r"""
import re, sys, time
from pathlib import Path
from dbt.adapters.sql.connections import SQLConnectionManager
from dbt.cli.main import dbtRunner

stage, reached, release = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
real = SQLConnectionManager.add_query
seen = {"rows": 0, "marker": False}

def hold():
    reached.touch()
    while not release.exists():
        time.sleep(0.1)

def add_query(self, sql, *args, **kwargs):
    text = " ".join(re.sub(r"^\s*/\*.*?\*/", "", sql, flags=re.S).lower().split())
    into = text.split(" select ")[0] if text.startswith("insert into") else ""
    if "__versions" in into:
        seen["rows"] += 1
        if stage == "rows" and seen["rows"] == 2:
            hold()
    if "history_commits" in into and stage == "marker":
        hold()
    if stage == "cleanup" and seen["marker"] and text.startswith("show partitions"):
        hold()
    result = real(self, sql, *args, **kwargs)
    seen["marker"] = seen["marker"] or "history_commits" in into
    return result

SQLConnectionManager.add_query = add_query
sys.exit(0 if dbtRunner().invoke(sys.argv[4:]).success else 1)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory, spark_server):
    tmp = tmp_path_factory.mktemp("spark_commit")
    project = make_project(tmp, copy_raw(tmp / "raw"), upload_csv=FIXTURE / "upload.csv")
    project.extra_env = {"SPARK_LOCAL_IP": "127.0.0.1", **spark_server}
    (project.root / "macros" / "zz_test_statements.sql").write_text(
        "{% macro run_query_statements(statements) %}{% for sql in statements %}{% do run_query(sql) %}"
        "{% endfor %}{% endmacro %}\n"
    )
    load_raw(project, project.raw_dir, TARGET)
    build_history(project, TARGET, {"as_of_date": D1})
    return project


def _history(project) -> dict[str, list[tuple]]:
    """Every history table as readers see it, rows as sorted tuples of text."""
    out = {}
    for table in TABLES:
        rows = project.show(f"select * from marts.{table}", target=TARGET)
        out[table] = sorted(tuple(str(v) for _, v in sorted(row.items())) for row in rows)
    return out


def _runs(project) -> dict[str, str]:
    return {
        r["d"]: r["run"]
        for r in project.show(
            "select cast(as_of_date as string) as d, max(invocation_id) as run from marts.history_runs group by 1",
            target=TARGET,
        )
    }


def _unseen_partitions(project) -> list[tuple]:
    """Storage partitions (table, date, run_key) that no latest commit shows."""
    unseen = []
    for table, column in TABLES.items():
        rows = project.show(
            f"""select distinct cast(v.{column} as string) as d, v.run_key from marts.{table}__versions as v
                left join ({{{{ spark_history_latest_sql('{table}') }}}}) as latest
                on cast(v.{column} as string) = latest.slice_date and v.run_key = latest.run_key
                where latest.run_key is null""",
            target=TARGET,
        )
        unseen += [(table, r["d"], r["run_key"]) for r in rows]
    return unseen


def _killed_run(project, tmp: Path, stage: str, after_fit: list[str]) -> None:
    """A build of D2's history (as build_history does), killed at ``stage`` of its commit."""
    signals = tmp / stage
    signals.mkdir()
    args = [
        "build", "--target", TARGET, "--select", "+tag:history", "--resource-type", "model",
        "--resource-type", "seed", *after_fit, "--vars", f'{{"as_of_date": "{D2}"}}',
        "--project-dir", str(project.root), "--profiles-dir", str(project.root),
    ]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, stage, str(signals / "reached"), str(signals / "release"), *args],
        cwd=project.root,
        env=project.env(),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 900
    while not (signals / "reached").exists():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before its stage {stage}:\n{proc.stdout.read()[-5000:]}")
        assert time.monotonic() < deadline, f"stage {stage} was never reached"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


def test_a_commit_killed_at_any_stage_leaves_the_last_passed_runs_or_the_run_whole(project, tmp_path):
    before, runs_before = _history(project), _runs(project)
    # the first run: no migration pair yet
    assert set(runs_before) == {D1} and all(rows for t, rows in before.items() if t != "segment_migration")
    after_fit = fit(project, TARGET, {"as_of_date": D2})

    for stage in ("rows", "marker"):  # before the marker: nothing of the run
        _killed_run(project, tmp_path, stage, after_fit)
        assert _history(project) == before, stage
    assert _unseen_partitions(project)  # the killed runs' rows, written, shown by nothing

    _killed_run(project, tmp_path, "cleanup", after_fit)  # after the marker: the run, whole
    killed = _runs(project)
    assert set(killed) == {D1, D2} and killed[D1] == runs_before[D1]
    committed = _history(project)
    for table in TABLES:
        assert {r for r in committed[table] if D2 not in r} == set(before[table]), table
        assert any(D2 in r for r in committed[table]), table

    build_history(project, TARGET, {"as_of_date": D2})  # the next run: commits, cleans up
    again = _runs(project)
    assert set(again) == {D1, D2} and again[D2] != killed[D2]
    assert _history(project).keys() == committed.keys()
    assert _unseen_partitions(project) == []


def test_a_history_table_of_the_earlier_layout_is_adopted_unchanged(project):
    before = _history(project)
    # the earlier layout: a Parquet table partitioned by its date, in place of the view
    project.run(
        "run-operation",
        "run_query_statements",
        "--target",
        TARGET,
        "--args",
        '{"statements": ["create table marts.segment_history_earlier using parquet partitioned by (as_of_date) '
        'as select * from marts.segment_history", "drop view marts.segment_history", '
        '"alter table marts.segment_history_earlier rename to marts.segment_history", '
        '"drop table marts.segment_history__versions"]}',
    )
    project.run("run-operation", "create_history_tables", "--target", TARGET)
    assert _history(project) == before
    stored = project.show("select count(*) as n from marts.segment_history__versions", target=TARGET)
    assert stored == [{"n": len(before["segment_history"])}]
    assert _unseen_partitions(project) == []
