"""Load a raw directory into the `raw_schema` of the PostgreSQL or Spark target.

    python scripts/load_raw.py --target postgres|spark --raw-dir DIR [--schema raw]
                               [--stage-dir DIR] [--dbt-target NAME] [--project-dir DIR]

The files are read by the project's raw-file reader, the one the DuckDB target runs at the
start of every build (retention_tools.raw_files, through the dbt-duckdb plugin
retention_tools.duckdb_plugin), here into a temporary DuckDB file, so every engine gets the
same rows, the same `_raw_row_number` and the same unreadable CSV lines in <schema>.load_errors
(with var churn_upload_from: file, the default, the upload file of the project too, as
<schema>.churn_upload_file):
one file or a folder of files per table, Parquet or CSV, as described there; its messages (a
missing file, a file lacking columns) are printed. The tables are then copied: PostgreSQL
receives them by COPY, Spark as tables of its metastore (created through dbt's own Spark
session settings). Loading replaces the tables, so running it again is safe (on PostgreSQL
the staging views that read them are dropped with them; the next `dbt build` creates them
again).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from retention_tools import DBT, PROJECT_ROOT
from retention_tools.project_vars import dbt_vars, raw_table_columns
from retention_tools.raw_files import RawFileError, register_raw_tables, register_upload, upload_file


def read_raw_dir(raw_dir: Path, workdir: Path, project_dir: Path = PROJECT_ROOT) -> Path:
    """Read ``raw_dir`` with the project's raw-file reader into ``workdir``/reader.duckdb (schema
    raw: the raw tables, with the columns of ``project_dir``'s var raw_table_columns, and
    load_errors) and return that file. A file the reader refuses (e.g. a header without any
    expected column) stops here with the reader's message."""
    database = workdir / "reader.duckdb"  # not raw.duckdb: its catalog would shadow the schema raw
    with duckdb.connect(str(database)) as con:
        # the settings of the DuckDB target (profiles.yml)
        con.execute("set TimeZone = 'UTC'")
        con.execute("set preserve_insertion_order = false")
        con.execute("set memory_limit = ?", [os.environ.get("DBT_DUCKDB_MEMORY_LIMIT", "6GB")])
        try:
            register_raw_tables(con, raw_dir.resolve(), "raw", raw_table_columns(project_dir))
            settings = dbt_vars(project_dir, {})
            if settings.get("churn_upload_from", "file") == "file":
                register_upload(con, upload_file(project_dir, settings), "raw")
        except RawFileError as exc:
            raise SystemExit(f"reading {raw_dir} failed:\n{exc}") from None
    return database


_PG_TYPES = {
    "VARCHAR": "text",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def load_postgres(con: duckdb.DuckDBPyConnection, tables: list[str], schema: str) -> None:
    import psycopg2  # installed by requirements-postgres.txt (dbt-postgres)

    pg = psycopg2.connect(dbname=os.environ.get("PGDATABASE", "retention"))  # the rest from libpq variables
    with tempfile.TemporaryDirectory() as tmp, pg, pg.cursor() as cur:
        cur.execute(f'create schema if not exists "{schema}"')
        for table in tables:
            query = f"select * from raw.{table}"
            described = con.execute(f"describe {query}").fetchall()
            casts, ddl = [], []
            for name, duck_type, *_ in described:
                pg_type = _PG_TYPES.get(duck_type) or (
                    "numeric" if duck_type.startswith(("DECIMAL", "HUGEINT")) else None
                )
                casts.append(f'"{name}"' if pg_type else f'cast("{name}" as varchar) as "{name}"')
                ddl.append(f'"{name}" {pg_type or "text"}')
            csv_path = Path(tmp) / f"{table}.csv"
            # Empty strings are quoted and NULLs are not, which is how PostgreSQL's CSV COPY tells them apart.
            con.execute(f"copy (select {', '.join(casts)} from ({query})) to '{csv_path}' (format csv, header false)")
            cur.execute(f'drop table if exists "{schema}"."{table}" cascade')  # with the staging views on it
            cur.execute(f'create table "{schema}"."{table}" ({", ".join(ddl)})')
            with open(csv_path) as handle:
                cur.copy_expert(f'copy "{schema}"."{table}" from stdin with (format csv)', handle)


def load_spark(
    con: duckdb.DuckDBPyConnection,
    tables: list[str],
    schema: str,
    project_dir: Path,
    stage_dir: Path | None = None,
    dbt_target: str = "spark",
) -> None:
    """Parquet files written by DuckDB, copied into Spark tables by dbt's own Spark session
    (the run-operation spark_load_raw), so the metastore and settings are the profile's."""
    with tempfile.TemporaryDirectory() as local:
        tmp = str(stage_dir) if stage_dir else local
        if stage_dir:
            stage_dir.mkdir(parents=True, exist_ok=True)
        for table in tables:
            con.execute(f"copy (select * from raw.{table}) to '{tmp}/{table}.parquet' (format parquet)")
        args = {"directory": tmp, "tables": tables, "schema": schema}
        proc = subprocess.run(
            [
                DBT,
                "run-operation",
                "spark_load_raw",
                "--target",
                dbt_target,
                "--args",
                json.dumps(args),
                "--project-dir",
                str(project_dir),
                "--profiles-dir",
                str(project_dir),
            ],
            cwd=project_dir,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise SystemExit(f"loading into Spark failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-3000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=["postgres", "spark"], required=True)
    parser.add_argument("--raw-dir", type=Path, default=Path("data/raw"))
    parser.add_argument("--schema", default="raw", help="the project's var raw_schema (default raw)")
    parser.add_argument(
        "--stage-dir",
        type=Path,
        help="Spark: where the Parquet files go for Spark to read (default a local temporary "
        "directory; a remote cluster needs a path it can read, e.g. a shared mount)",
    )
    parser.add_argument(
        "--dbt-target",
        default="spark",
        help="Spark: the profiles.yml output whose session loads the tables (default spark)",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=PROJECT_ROOT,
        help="the dbt project whose raw table columns, profile and (Spark) .spark/ directory to use (default this one)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    project_dir = args.project_dir.resolve()
    with (
        tempfile.TemporaryDirectory() as workdir,
        duckdb.connect(str(read_raw_dir(args.raw_dir, Path(workdir), project_dir))) as con,
    ):
        con.execute("set TimeZone = 'UTC'")
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
            ).fetchall()
        ]
        if args.target == "postgres":
            load_postgres(con, tables, args.schema)
        else:
            load_spark(con, tables, args.schema, project_dir, args.stage_dir, args.dbt_target)
        for table in tables:
            rows = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
            print(f"{args.schema}.{table}: {rows:,} rows")
    print(f"loaded {args.raw_dir} into {args.target} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":  # python -m retention_tools.load_raw
    sys.exit(main())
