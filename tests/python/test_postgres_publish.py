"""Scheduled runs on PostgreSQL publish every mart at once (var marts_swap: the marts are
built into `marts__next` and swapped in, in the history's commit transaction).

A small generated data set: a scheduled run of D1; then, with a reader process querying the
marts and the history in one statement in a loop (pg_reader.py, as a role granted only the
marts schema and its tables), a backfill of D2 and D3; then
a run of D4 whose build fails (a data test) and so publishes nothing, and one whose commit
fails midway (a trigger refuses its third history table's rows), which must leave nothing of
it either: the commit is one transaction. The reader never fails, and every query sees one
run: one as_of_date across the marts, the history's latest run that same date.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import generate
from dbt_runner import PROJECT_ROOT, assert_reads_see_one_run, make_project
from engines import create_database, load_raw

psycopg2 = pytest.importorskip("psycopg2", reason="requirements-postgres.txt is not installed")

SCRIPTS = PROJECT_ROOT / "scripts"
D1, D2, D3, D4 = "2026-08-02", "2026-09-01", "2026-10-01", "2026-11-01"
TARGET = ["--target", "postgres"]


def _script(project, name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, str(SCRIPTS / name), "--project-dir", str(project.root), *TARGET, *args],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
    )
    assert not check or proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return proc


def _query(project, sql: str) -> list[tuple]:
    env = project.env()
    with psycopg2.connect(
        host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"], dbname=env["PGDATABASE"]
    ) as connection:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()


# Refuses any row of segment_migration: the commit's third table (history_tables() order).
REFUSE = """
create or replace function refuse() returns trigger language plpgsql as $$
begin raise exception 'refused by the test'; end $$;
create trigger refuse before insert on marts.segment_migration for each row execute function refuse();
"""


def _execute(project, sql: str) -> None:
    env = project.env()
    connection = psycopg2.connect(host=env["PGHOST"], port=env["PGPORT"], user=env["PGUSER"], dbname=env["PGDATABASE"])
    connection.autocommit = True
    connection.cursor().execute(sql)
    connection.close()


def _snapshot(project) -> dict:
    """Every history table's rows and the marts' dates, as text."""
    tables = ["history_runs", "segment_history", "segment_migration", "behavior_signal_history", "customer_segments"]
    return {t: _query(project, f"select cast(t as text) from marts.{t} as t order by 1") for t in tables}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, postgres):
    tmp = tmp_path_factory.mktemp("pg_publish")
    raw = generate(tmp / "raw", "--customers", "60", "--seed", "7")
    create_database(postgres, "publish")
    project = make_project(tmp, raw, upload_csv=raw / "upload.csv")
    project.extra_env = {**postgres, "PGDATABASE": "publish"}
    load_raw(project, raw, "postgres")
    state = {"project": project, "first": _script(project, "scheduled_run.py", "--as-of-date", D1, "--quiet").stdout}
    # the reader is a role of its own, granted the marts as a BI tool's would be: the grants
    # must follow the name marts through the swaps
    _execute(
        project,
        "create role bi login; grant usage on schema marts to bi; grant select on all tables in schema marts to bi; "
        "alter default privileges in schema marts grant select on tables to bi",
    )

    stop, reads = tmp / "stop-reader", tmp / "reads.jsonl"
    with open(reads, "w") as out:
        reader = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("pg_reader.py")), str(stop)],
            env={**project.env(), "PGUSER": "bi"},
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            _script(project, "backfill.py", "--start", D2, "--end", D3, "--every", "30d")
            deadline = time.monotonic() + 300  # until it has read the last publication
            while D3 not in reads.read_text() and time.monotonic() < deadline and reader.poll() is None:
                time.sleep(0.2)
            failing = project.root / "tests" / "fails_for_one_date.sql"
            failing.write_text(
                "select * from {{ ref('customer_segments') }} where as_of_date = cast('" + D4 + "' as date)\n"
            )
            try:
                state["failed"] = _script(project, "scheduled_run.py", "--as-of-date", D4, "--quiet", check=False)
            finally:
                failing.unlink()
            state["before_broken_commit"] = _snapshot(project)
            _execute(project, REFUSE)
            try:
                state["broken"] = _script(project, "scheduled_run.py", "--as-of-date", D4, "--quiet", check=False)
            finally:
                _execute(project, "drop trigger refuse on marts.segment_migration")
            state["after_broken_commit"] = _snapshot(project)
        finally:
            stop.touch()
            _, err = reader.communicate(timeout=120)
    state["reads"] = [json.loads(line) for line in reads.read_text().splitlines()]
    state["reader_stderr"] = err
    return state


def test_a_scheduled_run_publishes_by_a_swap(runs):
    assert "published schema marts by a swap" in runs["first"], runs["first"]
    schemas = {s for (s,) in _query(runs["project"], "select nspname from pg_namespace where nspname like 'marts%'")}
    assert schemas == {"marts", "marts__next"}  # the previous run's marts wait to be rebuilt
    # the history moved with the marts: every date of the backfill, none of the failed run
    dates = _query(runs["project"], "select distinct cast(as_of_date as text) from marts.history_runs order by 1")
    assert dates == [(D1,), (D2,), (D3,)]
    moved = "select count(*) from pg_tables where schemaname = 'marts__next' and tablename like '%history%'"
    assert _query(runs["project"], moved) == [(0,)]


def test_the_reader_always_sees_one_run(runs):
    def run_of(read):
        assert len(set(read["dates"].values())) == 1, read  # marts and the history's latest run
        return read["dates"]["customer_segments"]

    assert_reads_see_one_run(runs["reads"], runs["reader_stderr"], run_of, 180, D1, D3)


def test_a_failed_build_publishes_nothing(runs):
    failed = runs["failed"]
    assert failed.returncode == 1 and "nothing was published" in failed.stderr, failed.stderr[-3000:]
    project = runs["project"]
    assert _query(project, "select distinct cast(as_of_date as text) from marts.customer_segments") == [(D3,)]
    assert _query(project, "select max(cast(as_of_date as text)) from marts.history_runs") == [(D3,)]


def test_a_commit_that_fails_midway_leaves_nothing_of_the_run(runs):
    broken = runs["broken"]
    assert broken.returncode == 1 and "refused by the test" in broken.stdout + broken.stderr, broken.stderr[-3000:]
    # history_runs and segment_history were written before the refusal, in the same transaction
    assert runs["after_broken_commit"] == runs["before_broken_commit"]
