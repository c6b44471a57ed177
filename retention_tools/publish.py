"""Publish the marts of the working DuckDB database for readers, atomically.

    python scripts/publish.py [--working data/retention.duckdb] [--published PATH]

dbt builds into the working database, and DuckDB lets no other process open a file that a
writer holds: a BI tool reading it would fail with a lock error during every build, and
between two models it would see one run's marts next to another's. So readers connect to a
separate published file instead (read-only), which is only ever replaced whole:

1. every table and view of schema `marts` of the working database but the history is copied,
   as a table with its table and column comments, into a new file next to the published one;
2. the history tables (history_runs, segment_history, segment_migration,
   behavior_signal_history), which grow by a date per run, are not copied whole: each date's
   rows are a Parquet file in `<published>.history/<table>/<date>/<invocation_id>.parquet`,
   written once, when the run that wrote that date (its history_runs invocation_id) is first
   published. The new file holds views over exactly the files of its run, so publishing
   writes only the dates the run changed (one, for a run in order) and costs the same on the
   365th run as on the second;
3. a table `marts.published_run` records what was published (as_of_date, when, from where);
4. the new file is closed (DuckDB checkpoints it, so it needs no write-ahead log) and renamed
   over the published path. A rename within one file system is atomic: a reader that opens
   the path gets either the old file or the new one, whole, and a reader that has the old
   one open keeps reading it unchanged. The file is read-only (mode 444) for every user.
   History files that neither this publication nor the one before reference are deleted
   then, so a reader that opened the previous file can still read its history; a connection
   kept open across two more publications that rewrote a date must reconnect.

The history views name their files by absolute path: move the published file and its
`.history` directory together, and publish again after a move.

Defaults: --working is $DBT_DUCKDB_PATH or data/retention.duckdb; --published is
$RETENTION_PUBLISHED_PATH or published/<name> beside the working file
(data/published/retention.duckdb). Readers open it with read_only=True.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from retention_tools.dbt_target import target_location

SCHEMA = "marts"
# The history tables, each with the column its per-date files are split by.
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


def _history_files(con: duckdb.DuckDBPyConnection, directory: Path, source: str) -> tuple[dict[str, list[str]], int]:
    """Each history table's files, one per date of history_runs: written when missing (a date
    the run wrote since it was last published), else reused. Returns the absolute paths by
    table and how many files were written. Reads history_runs and the rows of written dates only."""
    versions = con.execute(
        f"select cast(as_of_date as varchar), max(invocation_id) from work.{source}.history_runs group by 1 order by 1"
    ).fetchall()
    directory = directory.resolve()
    files, written = {}, 0
    for table, column in HISTORY.items():  # a migration pair belongs to the run it ends at
        files[table] = []
        for day, version in versions:
            path = directory / table / day / f"{version}.parquet"
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                con.execute(
                    f"copy (select * from work.{source}.{table} where {column} = cast(? as date)) "
                    f"to {_literal(str(partial))} (format parquet)",
                    [day],
                )
                with open(partial, "rb") as handle:
                    os.fsync(handle.fileno())
                os.replace(partial, path)
                written += 1
            files[table].append(str(path))
    return files, written


def _history_views(
    con: duckdb.DuckDBPyConnection, relations: list[tuple[str, str | None]], files: dict[str, list[str]], source: str
) -> None:
    """marts.<history table>: a view over its files, or an empty table of its columns."""
    comments = dict(relations)
    for table in HISTORY:
        if table not in comments:
            continue
        target = f"{SCHEMA}.{_quote(table)}"
        if files.get(table):
            paths = ", ".join(_literal(path) for path in files[table])
            # by name: a date written before a project upgrade added a column reads it as NULL
            con.execute(f"create view {target} as select * from read_parquet([{paths}], union_by_name = true)")
            _comment(con, table, comments[table], source, kind="view")
        else:
            con.execute(f"create table {target} as select * from work.{source}.{_quote(table)} limit 0")
            _comment(con, table, comments[table], source)


def _referenced(database: Path) -> set[str]:
    """The history files a published database references (none when it cannot be read)."""
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            return {path for (path,) in con.execute(f"select path from {SCHEMA}.published_history_files").fetchall()}
    except (duckdb.Error, OSError):
        return set()


def _collect_garbage(directory: Path, keep: set[str]) -> None:
    """Delete the history files (and left-over partial files) that no kept publication references."""
    if not directory.exists():
        return
    directory = directory.resolve()
    for path in directory.rglob("*"):
        if path.is_file() and str(path) not in keep:
            path.unlink(missing_ok=True)
    for folder in sorted((p for p in directory.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


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
    staging = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    for leftover in (staging, Path(f"{staging}.wal")):
        leftover.unlink(missing_ok=True)
    history_dir = published.with_name(published.name + ".history")
    started = time.perf_counter()
    try:
        con = duckdb.connect(str(staging))
        try:
            con.execute(f"attach {_literal(str(working))} as work (read_only)")
            relations = _relations(con, source)
            names = [name for name, _ in relations]
            if "customer_segments" not in names:
                raise RuntimeError(f"{working} has no built marts ({source}.customer_segments is missing)")
            con.execute(f"create schema {SCHEMA}")
            _copy_marts(con, relations, source)
            files, history_written = _history_files(con, history_dir, source) if "history_runs" in names else ({}, 0)
            _history_views(con, relations, files, source)
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
            referenced = sorted(path for paths in files.values() for path in paths)
            con.execute(
                f"create table {SCHEMA}.published_history_files as select unnest(cast(? as varchar[])) as path",
                [referenced],
            )
            con.execute(
                f"comment on table {SCHEMA}.published_history_files is "
                "'The Parquet files the history views of this publication read (one per table and date).'"
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
        previous = _referenced(published) if published.exists() else set()
        wal = Path(f"{published}.wal")
        wal.unlink(missing_ok=True)
        os.replace(staging, published)
        wal.unlink(missing_ok=True)
        directory = os.open(published.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a crash
        finally:
            os.close(directory)
        _collect_garbage(history_dir, previous | set(referenced))
    finally:
        staging.unlink(missing_ok=True)
        Path(f"{staging}.wal").unlink(missing_ok=True)
    return {
        "published": str(published),
        "as_of_date": str(as_of_date) if as_of_date else None,
        "relations": len(relations),
        "history_files_written": history_written,
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
