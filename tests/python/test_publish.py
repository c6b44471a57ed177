"""scripts/publish.py on small hand-made working databases (no dbt): what a publication holds,
which history dates it copies again, that it can be moved, and what it cleans up.

A working database here holds marts.customer_segments and the four history tables with a few
rows per date; history_runs says which run (invocation_id) wrote each date.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from retention_tools.publish import publish

HISTORY = {
    "history_runs": "as_of_date",
    "segment_history": "as_of_date",
    "segment_migration": "to_as_of_date",
    "behavior_signal_history": "as_of_date",
}


def _working(path: Path, runs: dict[str, str], as_of: str) -> Path:
    """A working database whose history has one run per date (date -> invocation_id), two
    customers per date, and current marts of ``as_of``."""
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(f"create table marts.customer_segments as select 'c1' as customer_id, date '{as_of}' as as_of_date")
        con.execute("comment on table marts.customer_segments is 'one row per customer'")
        con.execute("comment on column marts.customer_segments.customer_id is 'the customer'")
        con.execute("create table marts.history_runs (as_of_date date, invocation_id varchar, segmented_customers int)")
        con.execute("create table marts.segment_history (as_of_date date, customer_id varchar, segment varchar)")
        con.execute("create table marts.segment_migration (to_as_of_date date, customer_count int)")
        con.execute("create table marts.behavior_signal_history (as_of_date date, customer_id varchar)")
        for day, run in runs.items():
            con.execute("insert into marts.history_runs values (?, ?, 2)", [day, run])
            for customer in ("c1", "c2"):
                con.execute("insert into marts.segment_history values (?, ?, ?)", [day, customer, run])
                con.execute("insert into marts.behavior_signal_history values (?, ?)", [day, customer])
            con.execute("insert into marts.segment_migration values (?, 2)", [day])
    return path


def _read_all(path: Path) -> dict[str, list[tuple]]:
    """Every relation of schema marts but published_run (it records when), sorted."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            n
            for (n,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {
            n: con.execute(f"select * from marts.{n} order by all").fetchall() for n in names if n != "published_run"
        }


def _history(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall() for t in HISTORY}


def test_only_the_dates_whose_run_changed_are_copied_again(tmp_path):
    working, published = tmp_path / "work.duckdb", tmp_path / "published" / "retention.duckdb"
    _working(working, {"2026-01-01": "a", "2026-01-02": "b", "2026-01-03": "c"}, "2026-01-03")
    first = publish(working, published)
    assert first["history_dates_copied"] == 3 and first["as_of_date"] == "2026-01-03"
    assert _history(published) == _history(working)

    # a run in order: one new date; the others are what the copy holds
    _working(working, {"2026-01-01": "a", "2026-01-02": "b", "2026-01-03": "c", "2026-01-04": "d"}, "2026-01-04")
    assert publish(working, published)["history_dates_copied"] == 1
    assert _history(published) == _history(working)

    # a backfill rewrote 01-02 and 01-03, the window dropped 01-01: two copied, one deleted
    _working(working, {"2026-01-02": "b2", "2026-01-03": "c2", "2026-01-04": "d"}, "2026-01-04")
    assert publish(working, published)["history_dates_copied"] == 2
    assert _history(published) == _history(working)
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute(
            "select cast(as_of_date as varchar), invocation_id from marts.published_versions order by 1"
        ).fetchall() == [("2026-01-02", "b2"), ("2026-01-03", "c2"), ("2026-01-04", "d")]
        # the current marts are replaced whole, comments included
        assert con.execute("select cast(as_of_date as varchar) from marts.customer_segments").fetchall() == [
            ("2026-01-04",)
        ]
        assert con.execute("select comment from duckdb_tables() where table_name = 'customer_segments'").fetchone() == (
            "one row per customer",
        )
        assert con.execute("select count(*) from duckdb_views() where schema_name = 'marts'").fetchone() == (0,)
    assert oct(published.stat().st_mode & 0o777) == "0o444"


def test_a_history_table_whose_columns_changed_is_copied_whole(tmp_path):
    working, published = tmp_path / "work.duckdb", tmp_path / "retention.duckdb"
    _working(working, {"2026-01-01": "a", "2026-01-02": "b"}, "2026-01-02")
    publish(working, published)
    with duckdb.connect(str(working)) as con:  # a project upgrade adds a column, filled for old dates
        con.execute("alter table marts.segment_history add column churn_score double default 0.5")
    assert publish(working, published)["history_dates_copied"] == 2
    assert _history(published) == _history(working)


def test_a_moved_publication_reads_every_relation_with_the_original_gone(tmp_path):
    working, published = tmp_path / "work.duckdb", tmp_path / "published" / "retention.duckdb"
    _working(working, {"2026-01-01": "a", "2026-01-02": "b"}, "2026-01-02")
    publish(working, published)
    _working(working, {"2026-01-01": "a", "2026-01-02": "b", "2026-01-03": "c"}, "2026-01-03")
    publish(working, published)
    expected = _read_all(published)
    moved = tmp_path / "elsewhere" / "folder"
    shutil.move(published.parent, moved)
    working.unlink()
    assert not published.exists()
    # read in another process whose working directory is the copy's, as a BI server would
    code = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        'names = [n for (n,) in con.execute("select table_name from information_schema.tables where '
        "table_schema = 'marts'\").fetchall()]; "
        "print(sum(len(con.execute(f'select * from marts.{n}').fetchall()) for n in names), len(names))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "retention.duckdb"], cwd=moved, capture_output=True, text=True, check=True
    ).stdout.split()
    assert int(out[1]) == len(expected) + 1  # published_run too
    assert _read_all(moved / "retention.duckdb") == expected
    assert len(expected["segment_history"]) == 6


def test_an_earlier_publication_with_parquet_history_is_replaced_and_its_files_retired(tmp_path):
    """The layout before this one: history views over Parquet files in <published>.history. The
    next publication starts afresh; the files stay while the replaced file may be open, and the
    publication after deletes them."""
    working, published = tmp_path / "work.duckdb", tmp_path / "retention.duckdb"
    _working(working, {"2026-01-01": "a"}, "2026-01-01")
    files = tmp_path / "retention.duckdb.history" / "segment_history" / "2026-01-01"
    files.mkdir(parents=True)
    with duckdb.connect(str(published)) as con:
        con.execute("create schema marts")
        con.execute(f"copy (select 1 as x) to '{files / 'a.parquet'}' (format parquet)")
        con.execute(f"create view marts.segment_history as select * from read_parquet('{files / 'a.parquet'}')")
        con.execute(f"create table marts.published_history_files as select '{files / 'a.parquet'}' as path")
        con.execute("create table marts.published_run as select 1 as x")
    publish(working, published)
    assert _history(published) == _history(working)
    assert (files / "a.parquet").exists()
    publish(working, published)
    assert not (tmp_path / "retention.duckdb.history").exists()


def test_an_unreadable_published_file_is_replaced(tmp_path):
    working, published = tmp_path / "work.duckdb", tmp_path / "retention.duckdb"
    _working(working, {"2026-01-01": "a"}, "2026-01-01")
    published.write_text("not a database")
    assert publish(working, published)["history_dates_copied"] == 1
    assert _history(published) == _history(working)


def test_the_copies_of_killed_publications_are_deleted_and_a_running_ones_kept(tmp_path):
    working, published = tmp_path / "work.duckdb", tmp_path / "retention.duckdb"
    _working(working, {"2026-01-01": "a"}, "2026-01-01")
    # above the kernel's largest pid: never a live process
    dead, alive = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1, os.getppid()
    for pid in (dead, alive):
        Path(tmp_path, f".retention.duckdb.{pid}.tmp").write_text("partial")
        Path(tmp_path, f".retention.duckdb.{pid}.tmp.wal").write_text("partial")
    publish(working, published)
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    assert left == [f".retention.duckdb.{alive}.tmp", f".retention.duckdb.{alive}.tmp.wal"]


@pytest.mark.parametrize("missing", ["working", "marts"])
def test_nothing_is_published_without_built_marts(tmp_path, missing):
    working, published = tmp_path / "work.duckdb", tmp_path / "retention.duckdb"
    if missing == "marts":
        duckdb.connect(str(working)).close()
    with pytest.raises((FileNotFoundError, RuntimeError)):
        publish(working, published)
    assert not published.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
