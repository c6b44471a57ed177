#!/usr/bin/env python
"""Load a raw directory into the `raw_schema` of the PostgreSQL or Spark target.

    python scripts/load_raw.py --target postgres|spark --raw-dir DIR [--schema raw]
                               [--stage-dir DIR] [--dbt-target NAME] [--project-dir DIR]

The same files and rules as the DuckDB on-run-start hook (macros/engine/raw_sources.sql):
per raw table, DIR/<table>.parquet (preferred) or DIR/<table>.csv; the table's expected
columns (``raw_table_columns`` in that macro file, read from there) taken from the file when
present and NULL otherwise; a missing or empty file is an empty table. Parquet columns keep
their types; CSV columns are text (validation is the project's, not the loader's) and every
CSV line the reader cannot take goes to <schema>.load_errors. Every table gets
`_raw_row_number`, the row's 1-based position in its file. Loading replaces the tables, so
running it again is safe (on PostgreSQL the staging views that read them are dropped with
them; the next `dbt build` creates them again). Files are read with DuckDB; PostgreSQL receives them by COPY, Spark
as tables of its metastore (created through dbt's own Spark session settings).
"""
from __future__ import annotations

import argparse
import ast
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RAW_SOURCES_MACRO = PROJECT_ROOT / "macros" / "engine" / "raw_sources.sql"
LOAD_ERRORS = [("source_table", "VARCHAR"), ("line", "BIGINT"), ("csv_line", "VARCHAR"), ("error_message", "VARCHAR")]


def raw_table_columns() -> dict[str, list[tuple[str, str]]]:
    """The expected raw columns, parsed from the one place they are defined (the dbt macro)."""
    text = RAW_SOURCES_MACRO.read_text()
    body = re.search(r"raw_table_columns\(\).*?return\((\{.*?\})\)", text, re.S).group(1)
    return ast.literal_eval(body)


def read_table(con: duckdb.DuckDBPyConnection, raw_dir: Path, table: str,
               columns: list[tuple[str, str]]) -> tuple[str, list[tuple]]:
    """A DuckDB query giving the raw table (columns + _raw_row_number), and its load errors."""
    files = [raw_dir / f"{table}.{ext}" for ext in ("parquet", "csv")]
    files = [f for f in files if f.exists() and f.stat().st_size > 0]

    def select_list(present: set[str]) -> str:
        if not present & {name for name, _ in columns}:
            raise SystemExit(f"{files[0]} has none of the expected columns ({', '.join(n for n, _ in columns)}); "
                             f"its header reads: {', '.join(sorted(present))}. Is it comma-separated, with a header line?")
        return ", ".join(f'"{name}"' if name in present else f"cast(null as {type_}) as {name}"
                         for name, type_ in columns)

    if not files:
        nulls = ", ".join(f"cast(null as {type_}) as {name}" for name, type_ in columns)
        return f"select {nulls}, cast(null as bigint) as _raw_row_number where false", []
    path = str(files[0]).replace("'", "''")
    if files[0].suffix == ".parquet":
        reader = f"read_parquet('{path}', file_row_number = true)"
        present = {r[0].lower() for r in con.execute(f"describe select * from {reader}").fetchall()}
        return f"select {select_list(present)}, cast(file_row_number + 1 as bigint) as _raw_row_number from {reader}", []
    reader = (f"read_csv('{path}', header = true, delim = ',', quote = '\"', escape = '\"', all_varchar = true,"
              f" null_padding = true, store_rejects = true, rejects_table = 'rejects_{table}',"
              f" rejects_scan = 'scans_{table}')")
    present = {r[0].lower() for r in con.execute(f"describe select * from {reader}").fetchall()}
    con.execute("set preserve_insertion_order = true")  # row_number() over () is the file order
    con.execute(f"create or replace table csv_{table} as select {select_list(present)},"
                f" cast(row_number() over () as bigint) as _raw_row_number from {reader}")
    errors = con.execute(f"select '{table}', line, csv_line, error_message from rejects_{table}").fetchall()
    return f"select * from csv_{table}", errors


_PG_TYPES = {"VARCHAR": "text", "DOUBLE": "double precision", "FLOAT": "real", "BIGINT": "bigint",
             "INTEGER": "integer", "SMALLINT": "smallint", "BOOLEAN": "boolean", "DATE": "date",
             "TIMESTAMP": "timestamp", "TIMESTAMP WITH TIME ZONE": "timestamptz"}


def load_postgres(con: duckdb.DuckDBPyConnection, tables: dict[str, tuple[str, list[tuple]]], schema: str) -> None:
    import psycopg2  # installed by requirements-postgres.txt (dbt-postgres)

    pg = psycopg2.connect(dbname=os.environ.get("PGDATABASE", "retention"))  # the rest from libpq variables
    with tempfile.TemporaryDirectory() as tmp, pg, pg.cursor() as cur:
        cur.execute(f'create schema if not exists "{schema}"')
        for table, (query, _) in tables.items():
            described = con.execute(f"describe {query}").fetchall()
            casts, ddl = [], []
            for name, duck_type, *_ in described:
                pg_type = _PG_TYPES.get(duck_type) or ("numeric" if duck_type.startswith(("DECIMAL", "HUGEINT")) else None)
                casts.append(f'"{name}"' if pg_type else f'cast("{name}" as varchar) as "{name}"')
                ddl.append(f'"{name}" {pg_type or "text"}')
            csv_path = Path(tmp) / f"{table}.csv"
            # Empty strings are quoted and NULLs are not, which is how PostgreSQL's CSV COPY tells them apart.
            con.execute(f"copy (select {', '.join(casts)} from ({query})) to '{csv_path}' (format csv, header false)")
            cur.execute(f'drop table if exists "{schema}"."{table}" cascade')  # with the staging views on it
            cur.execute(f'create table "{schema}"."{table}" ({", ".join(ddl)})')
            with open(csv_path) as handle:
                cur.copy_expert(f'copy "{schema}"."{table}" from stdin with (format csv)', handle)
        cur.execute(f'drop table if exists "{schema}".load_errors cascade')
        cur.execute(f'create table "{schema}".load_errors (source_table text, line bigint, csv_line text, error_message text)')
        errors = [row for _, rows in tables.values() for row in rows]
        if errors:
            cur.executemany(f'insert into "{schema}".load_errors values (%s, %s, %s, %s)', errors)


def load_spark(con: duckdb.DuckDBPyConnection, tables: dict[str, tuple[str, list[tuple]]], schema: str,
               project_dir: Path, stage_dir: Path | None = None, dbt_target: str = "spark") -> None:
    """Parquet files written by DuckDB, copied into Spark tables by dbt's own Spark session
    (the run-operation spark_load_raw), so the metastore and settings are the profile's."""
    import json
    import subprocess

    with tempfile.TemporaryDirectory() as local:
        tmp = str(stage_dir) if stage_dir else local
        if stage_dir:
            stage_dir.mkdir(parents=True, exist_ok=True)
        for table, (query, _) in tables.items():
            con.execute(f"copy ({query}) to '{tmp}/{table}.parquet' (format parquet)")
        con.execute("create or replace table load_errors_rows (source_table varchar, line bigint, csv_line varchar, error_message varchar)")
        errors = [row for _, rows in tables.values() for row in rows]
        if errors:
            con.executemany("insert into load_errors_rows values (?, ?, ?, ?)", errors)
        con.execute(f"copy load_errors_rows to '{tmp}/load_errors.parquet' (format parquet)")
        dbt = str(Path(sys.executable).with_name("dbt"))
        args = {"directory": tmp, "tables": [*tables, "load_errors"], "schema": schema}
        proc = subprocess.run([dbt, "run-operation", "spark_load_raw", "--target", dbt_target, "--args", json.dumps(args),
                               "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)],
                              cwd=project_dir, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"loading into Spark failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-3000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=["postgres", "spark"], required=True)
    parser.add_argument("--raw-dir", type=Path, default=Path("data/raw"))
    parser.add_argument("--schema", default="raw", help="the project's var raw_schema (default raw)")
    parser.add_argument("--stage-dir", type=Path,
                        help="Spark: where the Parquet files go for Spark to read (default a local temporary "
                             "directory; a remote cluster needs a path it can read, e.g. a shared mount)")
    parser.add_argument("--dbt-target", default="spark",
                        help="Spark: the profiles.yml output whose session loads the tables (default spark)")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT,
                        help="Spark: the dbt project whose profile and .spark/ directory to use (default this one)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        tables = {table: read_table(con, args.raw_dir, table, columns)
                  for table, columns in raw_table_columns().items()}
        if args.target == "postgres":
            load_postgres(con, tables, args.schema)
        else:
            load_spark(con, tables, args.schema, args.project_dir.resolve(), args.stage_dir, args.dbt_target)
        for table, (query, errors) in tables.items():
            rows = con.execute(f"select count(*) from ({query})").fetchone()[0]
            print(f"{args.schema}.{table}: {rows:,} rows" + (f", {len(errors)} unreadable line(s)" if errors else ""))
    print(f"loaded {args.raw_dir} into {args.target} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
