#!/usr/bin/env python
"""Publish the marts of the working DuckDB database for readers, atomically.

    python scripts/publish.py [--working data/retention.duckdb] [--published PATH]

dbt builds into the working database, and DuckDB lets no other process open a file that a
writer holds: a BI tool reading it would fail with a lock error during every build, and
between two models it would see one run's marts next to another's. So readers connect to a
separate published file instead (read-only), which is only ever replaced whole:

1. every table and view of schema `marts` of the working database is copied, as a table with
   its table and column comments, into a new file next to the published one;
2. a table `marts.published_run` records what was published (as_of_date, when, from where);
3. the new file is closed (DuckDB checkpoints it, so it needs no write-ahead log) and renamed
   over the published path. A rename within one file system is atomic: a reader that opens
   the path gets either the old file or the new one, whole, and a reader that has the old
   one open keeps reading it unchanged. The file is read-only (mode 444) for every user.

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

SCHEMA = "marts"


def default_working() -> Path:
    return Path(os.environ.get("DBT_DUCKDB_PATH", "data/retention.duckdb"))


def default_published(working: Path | None = None) -> Path:
    if os.environ.get("RETENTION_PUBLISHED_PATH"):
        return Path(os.environ["RETENTION_PUBLISHED_PATH"])
    working = working or default_working()
    return working.parent / "published" / working.name


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Copy every relation of work.marts into this database's marts, with comments."""
    relations = con.execute(
        """
        select table_name, comment from duckdb_tables() where database_name = 'work' and schema_name = ?
        union all
        select view_name, comment from duckdb_views() where database_name = 'work' and schema_name = ?
        order by 1
        """,
        [SCHEMA, SCHEMA],
    ).fetchall()
    con.execute(f"create schema {SCHEMA}")
    for name, comment in relations:
        target = f"{SCHEMA}.{_quote(name)}"
        con.execute(f"create table {target} as select * from work.{SCHEMA}.{_quote(name)}")
        if comment:
            con.execute(f"comment on table {target} is {_literal(comment)}")
        columns = con.execute(
            "select column_name, comment from duckdb_columns() where database_name = 'work' "
            "and schema_name = ? and table_name = ? and comment is not null",
            [SCHEMA, name],
        ).fetchall()
        for column, column_comment in columns:
            con.execute(f"comment on column {target}.{_quote(column)} is {_literal(column_comment)}")
    return [name for name, _ in relations]


def _as_of_date(con: duckdb.DuckDBPyConnection, relations: list[str]):
    """The run's as_of_date: the one date customer_segments (or segment_distribution) holds."""
    for mart in ("customer_segments", "segment_distribution"):
        if mart in relations:
            dates = con.execute(f"select distinct as_of_date from {SCHEMA}.{mart}").fetchall()
            if len(dates) == 1:
                return dates[0][0]
    return None


def publish(working: Path, published: Path) -> dict:
    """Copy the marts of ``working`` into ``published`` by an atomic rename; return what was published."""
    working, published = Path(working), Path(published)
    if not working.exists():
        raise FileNotFoundError(f"no working database at {working}: run dbt build first")
    published.parent.mkdir(parents=True, exist_ok=True)
    staging = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    for leftover in (staging, Path(f"{staging}.wal")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        con = duckdb.connect(str(staging))
        try:
            con.execute(f"attach {_literal(str(working))} as work (read_only)")
            relations = _copy_marts(con)
            if "customer_segments" not in relations:
                raise RuntimeError(f"{working} has no built marts (marts.customer_segments is missing)")
            as_of_date = _as_of_date(con, relations)
            published_at = datetime.now(timezone.utc).replace(tzinfo=None)
            con.execute(
                f"""create table {SCHEMA}.published_run as
                    select cast(? as date) as as_of_date, cast(? as timestamp) as published_at,
                           ? as working_database, ? as relations""",
                [as_of_date, published_at, str(working.resolve()), len(relations)],
            )
            con.execute(f"comment on table {SCHEMA}.published_run is "
                        "'One row: the run these marts come from (as_of_date), when it was published (UTC) and from which working database.'")
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
    finally:
        staging.unlink(missing_ok=True)
        Path(f"{staging}.wal").unlink(missing_ok=True)
    return {
        "published": str(published),
        "as_of_date": str(as_of_date) if as_of_date else None,
        "relations": len(relations),
        "seconds": round(time.perf_counter() - started, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--working", type=Path, default=None,
                        help="DuckDB file dbt built (default: $DBT_DUCKDB_PATH or data/retention.duckdb)")
    parser.add_argument("--published", type=Path, default=None,
                        help="file readers open (default: $RETENTION_PUBLISHED_PATH or published/<name> beside the working file)")
    args = parser.parse_args(argv)
    working = args.working or default_working()
    published = args.published or default_published(working)
    result = publish(working, published)
    print(f"published {result['relations']} marts of as_of_date {result['as_of_date']} "
          f"to {result['published']} in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
