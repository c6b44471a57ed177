"""Scheduled runs: history, migration, backfill and safe publishing (scripts/scheduled_run.py,
scripts/backfill.py, scripts/publish.py) on a small generated data set.

One sequence of runs is shared by the tests: 2026-09-02 alone; then, with a reader process
querying the published file in a loop, a backfill of 2026-09-02 (again), 2026-10-02 and
2026-11-01; then 2026-10-02 once more; 2026-11-01 with a 30-day history window; last a
full refresh at 2026-11-01.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from conftest import generate
from dbt_runner import PROJECT_ROOT, assert_reads_see_one_run, make_project
from retention_tools.backfill import as_of_dates, parse_every
from retention_tools.publish import default_published

D1, D2, D3 = "2026-09-02", "2026-10-02", "2026-11-01"
SCRIPTS = PROJECT_ROOT / "scripts"
HISTORY = {
    "segment_history": "organization_id, customer_id, as_of_date, segment, segment_score, churn_score, "
    "churn_risk_level, rfm_score, "
    "previous_segment, previous_as_of_date, segment_changed_on",
    "history_runs": "organization_id, previous_as_of_date, as_of_date, "
    "segmented_customers",  # as_of_date third, as above
    "behavior_signal_history": "organization_id, customer_id, as_of_date, behavior_score, activity_trend, risk_signals",
}


def _script(project, name: str, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, str(SCRIPTS / name), "--project-dir", str(project.root), *args],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return proc


def _query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _history(project, database: Path | None = None) -> dict[str, list[tuple]]:
    """The history tables of the working database (or of a published one)."""
    return {
        table: _query(database or project.db_path, f"select {columns} from marts.{table} order by all")
        for table, columns in HISTORY.items()
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("history")
    raw = generate(tmp / "raw", "--customers", "120", "--seed", "5")
    project = make_project(tmp, raw, upload_csv=raw / "upload.csv")
    published = default_published(project.db_path)
    state = {"project": project, "published": published}

    _script(project, "scheduled_run.py", "--as-of-date", D1, "--quiet")
    state["history_after_first"] = _history(project)

    stop, reads = tmp / "stop-reader", tmp / "reads.jsonl"
    with open(reads, "w") as out:
        reader = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("publish_reader.py")), str(published), str(stop)],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            state["backfill"] = _script(project, "backfill.py", "--start", D1, "--end", D3, "--every", "30d")
            # Stop the reader only once it has read the last publication (however slow the
            # machine): the test does not depend on how fast the reader loops.
            deadline = time.monotonic() + 300
            while D3 not in reads.read_text() and time.monotonic() < deadline and reader.poll() is None:
                time.sleep(0.2)
        finally:
            stop.touch()
            _, err = reader.communicate(timeout=120)
    state["reads"] = [json.loads(line) for line in reads.read_text().splitlines()]
    state["reader_stderr"] = err
    state["history_after_backfill"] = _history(project)
    state["migration"] = _query(
        project.db_path,
        """
        select organization_id, from_as_of_date, to_as_of_date, from_segment, to_segment, customer_count, percentage
        from marts.segment_migration""",
    )
    state["segments_at_d3"] = _query(
        project.db_path,
        """
        select organization_id, customer_id, segment, previous_segment, previous_as_of_date, segment_changed_on
        from marts.customer_segments""",
    )

    state["rerun"] = _script(project, "scheduled_run.py", "--as-of-date", D2, "--quiet").stdout
    state["history_after_rerun"] = _history(project)
    state["published_after_rerun"] = _query(published, "select cast(as_of_date as varchar) from marts.published_run")

    _script(project, "scheduled_run.py", "--as-of-date", D3, "--history-keep-days", "30", "--quiet")
    state["history_after_prune"] = _history(project)
    state["migration_after_prune"] = _query(
        project.db_path, "select distinct cast(to_as_of_date as varchar) from marts.segment_migration order by 1"
    )
    state["published_history_after_prune"] = _query(
        published, "select distinct cast(as_of_date as varchar) from marts.segment_history order by 1"
    )
    state["published_full_history_after_prune"] = _history(project, published)

    _script(project, "scheduled_run.py", "--as-of-date", D3, "--full-refresh", "--quiet")
    state["history_after_full_refresh"] = _history(project)
    state["migration_after_full_refresh"] = _query(project.db_path, "select count(*) from marts.segment_migration")[0][
        0
    ]
    return state


def test_backfill_runs_each_date_in_order_with_progress(runs):
    out = runs["backfill"].stdout
    assert f"3 run(s): {D1}, {D2}, {D3}" in out
    for n, day in enumerate([D1, D2, D3], 1):
        assert f"[{n}/3] as_of_date {day}: built and published" in out
    dates = [r[2] for r in runs["history_after_backfill"]["segment_history"]]
    assert sorted(set(map(str, dates))) == [D1, D2, D3]


def test_rerunning_a_date_gives_identical_history(runs):
    # D1 ran alone, then again as the backfill's first date; D2 ran again after D3
    d1 = date.fromisoformat(D1)
    for table in HISTORY:
        first = runs["history_after_first"][table]
        assert first and first == [r for r in runs["history_after_backfill"][table] if r[2] == d1]
        assert runs["history_after_rerun"][table] == runs["history_after_backfill"][table]
    assert runs["published_after_rerun"] == [(D2,)]  # the rerun published its own date
    # and copied only the dates it rewrote into the publication: D2 and D3 (whose previous
    # segment comes from D2), not D1
    assert "(2 history date(s) copied)" in runs["rerun"]


def test_three_dates_of_history_one_row_per_customer_and_date(runs):
    for table, rows in runs["history_after_backfill"].items():
        per_date = Counter(str(r[2]) for r in rows)
        assert sorted(per_date) == [D1, D2, D3], table
        assert len({(r[0], r[1], r[2]) for r in rows}) == len(rows), table
    segments = runs["history_after_backfill"]["segment_history"]
    assert len({str(r[2]) for r in segments}) == 3 and Counter(str(r[2]) for r in segments)[D3] == 360


def test_migration_rows_sum_to_customers_present_in_both_runs(runs):
    history = runs["history_after_backfill"]["segment_history"]
    at = {}
    for org, customer, day, segment, *_ in history:
        at.setdefault((org, str(day)), {})[customer] = segment
    cells = Counter()
    for org, start, end, from_segment, _to_segment, count, _percentage in runs["migration"]:
        cells[(org, str(start), str(end), from_segment)] += count
    orgs = {r[0] for r in history}
    assert len(runs["migration"]) == len(orgs) * 2 * 121  # two consecutive pairs, 11 x 11 cells
    for org in orgs:
        for start, end in [(D1, D2), (D2, D3)]:
            earlier, later = at[(org, start)], at[(org, end)]
            expected = Counter(segment for customer, segment in earlier.items() if customer in later)
            got = {seg: n for (o, s, e, seg), n in cells.items() if (o, s, e) == (org, start, end)}
            assert len(got) == 11
            assert got == {seg: expected.get(seg, 0) for seg in got}
            assert sum(got.values()) == len(earlier.keys() & later.keys())
            moved = sum(1 for c in earlier.keys() & later.keys() if earlier[c] != later[c])
            assert moved > 0  # a month later some customers did move


def test_customer_segments_show_previous_segment_from_history(runs):
    history = {(r[0], r[1], str(r[2])): r[3] for r in runs["history_after_backfill"]["segment_history"]}
    rows = runs["segments_at_d3"]
    assert rows
    for org, customer, segment, previous, previous_date, changed_on in rows:
        assert previous == history.get((org, customer, D2)) and str(previous_date) == D2
        d1 = history.get((org, customer, D1))
        if segment != previous:
            assert str(changed_on) == D3
        elif d1 is None:
            assert changed_on is None  # not in the run before: no change seen since
        elif previous != d1:
            assert str(changed_on) == D2
        else:
            assert changed_on is None


def test_history_keep_days_prunes_runs_older_than_the_window(runs):
    """D3 with a 30-day window: D1 (60 days before) goes, D2 (30 days before) stays, in the
    working database and in what readers see; the pair ending at D2 stays too."""
    for table, rows in runs["history_after_prune"].items():
        assert {str(r[2]) for r in rows} == {D2, D3}, table
        assert rows == [r for r in runs["history_after_rerun"][table] if str(r[2]) != D1], table
    assert runs["migration_after_prune"] == [(D2,), (D3,)]
    assert runs["published_history_after_prune"] == [(D2,), (D3,)]
    assert runs["published_full_history_after_prune"] == runs["history_after_prune"]


def test_full_refresh_keeps_only_the_current_run(runs):
    # the run starts the history again: its rows as before, with nothing carried from earlier runs
    carried = {"segment_history": slice(8, 11), "history_runs": slice(1, 2)}
    for table, rows in runs["history_after_full_refresh"].items():
        assert {str(r[2]) for r in rows} == {D3}, table
        before = [r for r in runs["history_after_backfill"][table] if str(r[2]) == D3]
        cut = carried.get(table, slice(0, 0))

        def own(row, cut=cut, table=table):
            return row[: cut.start] + row[cut.stop :] if table in carried else row

        assert [own(r) for r in rows] == [own(r) for r in before], table
        assert all(v is None for r in rows for v in r[cut]), table
    assert runs["migration_after_full_refresh"] == 0


def test_reader_never_fails_and_always_sees_one_run(runs):
    def run_of(read):
        dates = {d for mart_dates in read["dates"].values() for d in mart_dates}
        assert len(dates) == 1, read  # one as_of_date across all marts, within one connection
        assert read["history_consistent"], read
        return dates.pop()

    assert_reads_see_one_run(runs["reads"], runs["reader_stderr"], run_of, 360, D1, D3)


def test_backfill_dates():
    assert as_of_dates(date(2026, 1, 1), date(2026, 3, 2), parse_every("30d")) == [
        date(2026, 1, 1),
        date(2026, 1, 31),
        date(2026, 3, 2),
    ]
    assert as_of_dates(date(2026, 1, 1), date(2026, 3, 1), parse_every("30d")) == [date(2026, 1, 1), date(2026, 1, 31)]
    assert as_of_dates(date(2026, 1, 31), date(2026, 5, 1), parse_every("1m")) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert as_of_dates(date(2026, 1, 1), date(2026, 1, 20), parse_every("1w")) == [
        date(2026, 1, 1),
        date(2026, 1, 8),
        date(2026, 1, 15),
    ]
    assert as_of_dates(date(2026, 1, 1), date(2026, 1, 1), parse_every("30d")) == [date(2026, 1, 1)]
    with pytest.raises(ValueError):
        as_of_dates(date(2026, 2, 1), date(2026, 1, 1), parse_every("30d"))
    for bad in ("0d", "30", "month", "-1d"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_every(bad)


def test_failed_build_publishes_nothing_and_keeps_no_history(runs):
    """A build that fails after the staged history of its date was built (here a test of it
    fails) exits non-zero; the history and the publication are as they were."""
    project, published = runs["project"], runs["published"]
    before = _query(published, "select * from marts.published_run")
    history = _history(project)
    failing = project.root / "tests" / "fails_for_one_date.sql"
    failing.write_text(
        "select * from {{ ref('segment_history_staged') }} where as_of_date = cast('2026-12-01' as date)\n"
    )
    try:
        proc = subprocess.run(
            [
                sys.executable,
                str(SCRIPTS / "scheduled_run.py"),
                "--project-dir",
                str(project.root),
                "--as-of-date",
                "2026-12-01",
                "--quiet",
            ],
            cwd=project.root,
            env=project.env(),
            capture_output=True,
            text=True,
        )
    finally:
        failing.unlink()
    assert proc.returncode == 1 and "nothing was published" in proc.stderr
    assert "History not written: 1 node(s) failed: fails_for_one_date (fail)" in proc.stderr
    assert _history(project) == history
    assert _query(published, "select * from marts.published_run") == before
