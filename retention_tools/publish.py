"""Publish the marts of the working DuckDB database for readers, atomically.

    python scripts/publish.py [--working data/retention.duckdb] [--published PATH]

dbt builds into the working database, and DuckDB lets no other process open a file that a
writer holds: a BI tool reading it would fail with a lock error during every build, and
between two models it would see one run's marts next to another's. So readers connect to a
separate published file instead (read-only), which is only ever replaced whole:

1. the new file starts as a copy of the current published file (a plain file copy: no
   decoding), or empty when there is none (or it cannot be read, or it is of the earlier
   layout whose history lived in Parquet files beside it);
2. every table and view of schema `marts` of the working database but the history replaces
   its copy, as a table with its table and column comments;
3. the history tables (history_runs, segment_history, segment_migration,
   behavior_signal_history), which grow by a date per run, are not copied whole: table
   `marts.published_versions` records which run (history_runs' invocation_id) each date of
   the copy comes from, and only the dates whose run differs from the working database's are
   deleted and copied again (one, for a run in order), so publishing reads the same rows on
   the 365th run as on the second. A history table whose columns changed (a project upgrade)
   is copied whole, once;
4. a table `marts.published_run` records what was published (as_of_date, when, from where);
5. the new file is closed (DuckDB checkpoints it, so it needs no write-ahead log) and renamed
   over the published path. A rename within one file system is atomic: a reader that opens
   the path gets either the old file or the new one, whole, and a reader that has the old
   one open keeps reading it unchanged. The file is read-only (mode 444) for every user.

The published file is self-contained (no paths inside): copied or moved anywhere, alone, it
opens with every mart readable, history included. A copy left by a publication that was
killed is deleted by the next one.

Defaults: --working is $DBT_DUCKDB_PATH or data/retention.duckdb; --published is
$RETENTION_PUBLISHED_PATH or published/<name> beside the working file
(data/published/retention.duckdb). Readers open it with read_only=True.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from retention_tools.dbt_target import target_location

SCHEMA = "marts"
# The history tables, each with its date column (a date is copied again when its run changed).
HISTORY = {
    "history_runs": "as_of_date",
    "segment_history": "as_of_date",
    "segment_migration": "to_as_of_date",
    "behavior_signal_history": "as_of_date",
}


def default_working() -> Path:
    return Path(os.environ.get("DBT_DUCKDB_PATH", "data/retention.duckdb"))


def default_published(working: Path | None = None, source: str = SCHEMA) -> Path:
    """$RETENTION_PUBLISHED_PATH, else published/<name> beside the working file; a development
    target's marts (schema ``source`` other than marts) go to published/<source>.<name>, never
    over the production publication."""
    if os.environ.get("RETENTION_PUBLISHED_PATH") and source == SCHEMA:
        return Path(os.environ["RETENTION_PUBLISHED_PATH"])
    working = working or default_working()
    return working.parent / "published" / (working.name if source == SCHEMA else f"{source}.{working.name}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _relations(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple[str, str | None]]:
    """Every table and view of the working database's marts schema ``source`` with its comment."""
    return con.execute(
        """
        select table_name, comment from duckdb_tables() where database_name = 'work' and schema_name = ?
        union all
        select view_name, comment from duckdb_views() where database_name = 'work' and schema_name = ?
        order by 1
        """,
        [source, source],
    ).fetchall()


def _comment(con: duckdb.DuckDBPyConnection, name: str, comment: str | None, source: str, kind: str = "table") -> None:
    """Copy the table (or view) and column comments of work.<source>.<name> to marts.<name>."""
    target = f"{SCHEMA}.{_quote(name)}"
    if comment:
        con.execute(f"comment on {kind} {target} is {_literal(comment)}")
    columns = con.execute(
        "select column_name, comment from duckdb_columns() where database_name = 'work' "
        "and schema_name = ? and table_name = ? and comment is not null",
        [source, name],
    ).fetchall()
    for column, column_comment in columns:
        con.execute(f"comment on column {target}.{_quote(column)} is {_literal(column_comment)}")


def _copy_marts(con: duckdb.DuckDBPyConnection, relations: list[tuple[str, str | None]], source: str) -> None:
    """Copy every relation of work.<source> but the history into this database's marts."""
    for name, comment in relations:
        if name not in HISTORY:
            con.execute(f"create table {SCHEMA}.{_quote(name)} as select * from work.{source}.{_quote(name)}")
            _comment(con, name, comment, source)


def _versions(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """as_of_date -> the run (invocation_id) of that date in a history_runs-shaped relation."""
    rows = con.execute(f"select cast(as_of_date as varchar), max(invocation_id) from {relation} group by 1").fetchall()
    return dict(rows)


def _columns(con: duckdb.DuckDBPyConnection, database: str | None, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = coalesce(?, current_database()) "
        "and schema_name = ? and table_name = ? order by column_index",
        [database, schema, table],
    ).fetchall()


def _sync_history(con: duckdb.DuckDBPyConnection, relations: list[tuple[str, str | None]], source: str) -> int:
    """Bring the copy's history tables to the working database's: delete the dates whose run
    differs (or that the working history no longer has) and copy the working rows of those
    dates. Returns how many dates were copied."""
    comments = dict(relations)
    if "history_runs" not in comments:
        return 0
    wanted = _versions(con, f"work.{source}.history_runs")
    held = _versions(con, f"{SCHEMA}.published_versions") if _exists(con, "published_versions") else {}
    changed = sorted(day for day, version in wanted.items() if day not in held or held[day] != version)
    gone = sorted(set(held) - set(wanted) | set(changed))
    dates = {day: f"date {_literal(day)}" for day in wanted.keys() | held.keys()}
    copied = len(changed)
    for table, column in HISTORY.items():  # a migration pair belongs to the run it ends at
        target = f"{SCHEMA}.{_quote(table)}"
        working = f"work.{source}.{_quote(table)}"
        if _columns(con, None, SCHEMA, table) != _columns(con, "work", source, table):
            con.execute(f"create or replace table {target} as select * from {working}")
            copied = len(wanted)
        else:
            if gone:
                con.execute(f"delete from {target} where {column} in ({', '.join(dates[d] for d in gone)})")
            if changed:
                con.execute(
                    f"insert into {target} select * from {working} "
                    f"where {column} in ({', '.join(dates[d] for d in changed)})"
                )
        _comment(con, table, comments[table], source)
    con.execute(
        f"create or replace table {SCHEMA}.published_versions as "
        f"select as_of_date, max(invocation_id) as invocation_id from work.{source}.history_runs group by 1"
    )
    con.execute(
        f"comment on table {SCHEMA}.published_versions is "
        "'The run (invocation_id) each date of the history tables here comes from: what the next publication "
        "copies again.'"
    )
    return copied


def _exists(con: duckdb.DuckDBPyConnection, name: str, kind: str = "table") -> bool:
    catalog = "duckdb_tables()" if kind == "table" else "duckdb_views()"
    column = "table_name" if kind == "table" else "view_name"
    return bool(
        con.execute(
            f"select count(*) from {catalog} "
            f"where database_name = current_database() and schema_name = ? and {column} = ?",
            [SCHEMA, name],
        ).fetchone()[0]
    )


def _start_from(published: Path, staging: Path) -> bool:
    """Make the staging file a writable copy of the published one when that is of this layout
    (it has marts.published_versions) and readable; else leave none (the publication starts
    empty). Returns whether the published file is of the earlier layout, whose history views
    read Parquet files in `<published>.history`."""
    if not published.exists():
        return False
    earlier = False
    try:
        shutil.copyfile(published, staging)
        staging.chmod(0o644)
        with duckdb.connect(str(staging)) as con:
            earlier = _exists(con, "published_history_files")
            if not _exists(con, "published_versions"):
                raise ValueError(f"{published} is not of this layout: start afresh")
    except (duckdb.Error, OSError, ValueError):
        staging.unlink(missing_ok=True)
        Path(f"{staging}.wal").unlink(missing_ok=True)
    return earlier


def _clear_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every relation of the copy but the history tables (views first: none depends on
    another, but a view of a dropped table would not open)."""
    for (name,) in con.execute(
        "select view_name from duckdb_views() where database_name = current_database() and schema_name = ?", [SCHEMA]
    ).fetchall():
        con.execute(f"drop view {SCHEMA}.{_quote(name)}")
    for (name,) in con.execute(
        "select table_name from duckdb_tables() where database_name = current_database() and schema_name = ?", [SCHEMA]
    ).fetchall():
        if name not in HISTORY and name != "published_versions":
            con.execute(f"drop table {SCHEMA}.{_quote(name)}")


def _remove_stale_copies(published: Path) -> None:
    """Delete the staging copies (and write-ahead logs) of publications whose process is gone:
    a killed publication's copy is as large as the published file."""
    for path in published.parent.glob(f".{published.name}.*.tmp*"):
        pid = path.name[len(published.name) + 2 :].split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _as_of_date(con: duckdb.DuckDBPyConnection, relations: list[str]):
    """The run's as_of_date: the one date customer_segments (or segment_distribution) holds."""
    for mart in ("customer_segments", "segment_distribution"):
        if mart in relations:
            dates = con.execute(f"select distinct as_of_date from {SCHEMA}.{mart}").fetchall()
            if len(dates) == 1:
                return dates[0][0]
    return None


def publish(working: Path, published: Path, source: str = SCHEMA) -> dict:
    """Copy the marts of ``working`` (schema ``source``: the target's marts schema) into
    ``published`` (schema marts) by an atomic rename; return what was published."""
    working, published = Path(working), Path(published)
    if not working.exists():
        raise FileNotFoundError(f"no working database at {working}: run dbt build first")
    published.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_copies(published)
    staging = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    for leftover in (staging, Path(f"{staging}.wal")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        earlier_layout = _start_from(published, staging)
        con = duckdb.connect(str(staging))
        try:
            con.execute(f"attach {_literal(str(working))} as work (read_only)")
            relations = _relations(con, source)
            names = [name for name, _ in relations]
            if "customer_segments" not in names:
                raise RuntimeError(f"{working} has no built marts ({source}.customer_segments is missing)")
            con.execute(f"create schema if not exists {SCHEMA}")
            _clear_marts(con)
            _copy_marts(con, relations, source)
            history_dates_copied = _sync_history(con, relations, source)
            as_of_date = _as_of_date(con, names)
            published_at = datetime.now(timezone.utc).replace(tzinfo=None)
            con.execute(
                f"""create table {SCHEMA}.published_run as
                    select cast(? as date) as as_of_date, cast(? as timestamp) as published_at,
                           ? as working_database, ? as relations""",
                [as_of_date, published_at, str(working.resolve()), len(relations)],
            )
            con.execute(
                f"comment on table {SCHEMA}.published_run is "
                "'One row: the run these marts come from (as_of_date), when it was published (UTC) and from "
                "which working database.'"
            )
            con.execute("detach work")
            con.execute("checkpoint")
        finally:
            con.close()
        if Path(f"{staging}.wal").exists():
            raise RuntimeError(f"{staging}.wal remains after closing: the copy is not self-contained")
        with open(staging, "rb") as handle:
            os.fsync(handle.fileno())
        # Read-only for everyone, so that a client that forgets read_only=True cannot write a
        # write-ahead log next to it; a stale one (from such a client) would make DuckDB
        # replay it into the new file and fail, so it goes before and after the swap.
        staging.chmod(0o444)
        wal = Path(f"{published}.wal")
        wal.unlink(missing_ok=True)
        os.replace(staging, published)
        wal.unlink(missing_ok=True)
        directory = os.open(published.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a crash
        finally:
            os.close(directory)
        # The earlier layout's Parquet history: kept while the file just replaced (which reads
        # it) may still be open, deleted by the publication after.
        parquet_history = published.with_name(published.name + ".history")
        if parquet_history.exists() and not earlier_layout:
            shutil.rmtree(parquet_history, ignore_errors=True)
    finally:
        staging.unlink(missing_ok=True)
        Path(f"{staging}.wal").unlink(missing_ok=True)
    return {
        "published": str(published),
        "as_of_date": str(as_of_date) if as_of_date else None,
        "relations": len(relations),
        "history_dates_copied": history_dates_copied,
        "seconds": round(time.perf_counter() - started, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--working",
        type=Path,
        default=None,
        help="DuckDB file dbt built (default: $DBT_DUCKDB_PATH or data/retention.duckdb)",
    )
    parser.add_argument(
        "--published",
        type=Path,
        default=None,
        help="file readers open (default: $RETENTION_PUBLISHED_PATH or published/<name> beside the working file)",
    )
    parser.add_argument(
        "--target",
        help="the dbt target that built the working file (default: the standalone duckdb "
        "target, schema marts); the published file always has schema marts",
    )
    args = parser.parse_args(argv)
    location = target_location(args.target)
    if location["type"] != "duckdb":
        raise SystemExit(f"target {args.target} is {location['type']}: only a DuckDB build is published")
    working = args.working or (Path(location["path"]) if args.target else default_working())
    published = args.published or default_published(working, location["marts_schema"])
    result = publish(working, published, location["marts_schema"])
    print(
        f"published {result['relations']} marts of as_of_date {result['as_of_date']} "
        f"to {result['published']} in {result['seconds']} s"
    )
    return 0


if __name__ == "__main__":  # python -m retention_tools.publish
    sys.exit(main())
