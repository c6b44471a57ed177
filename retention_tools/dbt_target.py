"""Where a dbt target keeps the marts, for the scripts that read them (summary, report,
publish, scheduled_run): the target's type, its marts schema and (DuckDB) its database file.

Without a target the answer is the standalone default, the `duckdb` target: schema `marts` in
$DBT_DUCKDB_PATH (default data/retention.duckdb), with no dbt call. With one, dbt itself is
asked (`dbt run-operation target_location`), so the schema follows the project's
generate_schema_name: `marts` for the production targets, `<schema>_marts` for the others.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from retention_tools import DBT, PROJECT_ROOT


def target_location(target: str | None = None, project_dir: Path = PROJECT_ROOT) -> dict:
    """{"target", "type", "marts_schema", "path"} of ``target`` (path: a DuckDB file or None)."""
    if target is None:
        return {
            "target": None,
            "type": "duckdb",
            "marts_schema": "marts",
            "path": os.environ.get("DBT_DUCKDB_PATH", "data/retention.duckdb"),
        }
    with tempfile.TemporaryDirectory() as work:
        env = {**os.environ, "DBT_TARGET_PATH": f"{work}/target", "DBT_LOG_PATH": f"{work}/logs", "DO_NOT_TRACK": "1"}
        proc = subprocess.run(
            [
                DBT,
                "run-operation",
                "target_location",
                "--target",
                target,
                "--project-dir",
                str(project_dir),
                "--profiles-dir",
                str(project_dir),
            ],
            cwd=project_dir,
            env=env,
            capture_output=True,
            text=True,
        )
    for line in proc.stdout.splitlines():
        if "TARGET_LOCATION " in line:
            return json.loads(line.split("TARGET_LOCATION ", 1)[1])
    raise SystemExit(f"cannot find where target {target} keeps the marts:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")


def connect_marts(database: str | Path, marts_schema: str = "marts"):
    """A read-only DuckDB connection in which `marts.<name>` is the marts of ``database``: the
    file itself when its marts schema is `marts`; otherwise an in-memory database whose schema
    marts holds a view of each relation of ``marts_schema`` (a development target's), so
    every query is written once, against `marts`."""
    import duckdb

    if marts_schema == "marts":
        con = duckdb.connect(str(database), read_only=True)
        if not con.execute("select 1 from information_schema.schemata where schema_name = 'marts'").fetchall():
            con.close()
            raise SystemExit(f"{database} has no schema marts: build it first, or give the --target that built it")
        return con
    con = duckdb.connect()
    con.execute(f"attach '{str(database).replace(chr(39), chr(39) * 2)}' as work (read_only)")
    names = [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'work' and table_schema = ?",
            [marts_schema],
        ).fetchall()
    ]
    if not names:
        raise SystemExit(f"{database} has no schema {marts_schema}: build that target first")
    con.execute("create schema marts")
    for name in names:
        con.execute(f'create view marts."{name}" as select * from work."{marts_schema}"."{name}"')
    return con


def open_marts(target: str | None = None, database: str | Path | None = None, project_dir: Path = PROJECT_ROOT):
    """A DuckDB connection in which `marts.<name>` is the marts of ``target``: on DuckDB those
    of ``database`` (default: the target's file, connect_marts); on PostgreSQL and Spark an
    in-memory copy of the target's marts schema (marts are aggregates and one row per customer:
    they fit in memory where the summary and the dashboard run), so the readers' queries are
    written once, in DuckDB's SQL."""
    location = target_location(target, project_dir)
    if location["type"] == "duckdb":
        database = database or location["path"]
        if not database or not os.path.exists(database):
            raise SystemExit(f"no database at {database}: run dbt build first")
        return connect_marts(database, location["marts_schema"])
    readers = {"postgres": _postgres_marts, "spark": _spark_marts}
    if location["type"] not in readers:
        raise SystemExit(f"cannot read the marts of a {location['type']} target")
    frames = readers[location["type"]](location, Path(project_dir))
    if not frames:
        raise SystemExit(f"target {target} has no schema {location['marts_schema']}: build it first")
    import duckdb

    con = duckdb.connect()
    con.execute("create schema marts")
    for name, frame in frames.items():
        con.register("frame", frame)
        con.execute(f'create table marts."{name}" as select * from frame')
        con.unregister("frame")
    return con


def dbt_here(args: list[str], project_dir: Path) -> str:
    """Run dbt in this process, in ``project_dir`` (the profile's relative paths, such as the
    Spark target's .spark/, are the project's), its output captured; return the output, or
    raise SystemExit with it when dbt fails. On the Spark `session` target the session dbt
    opens stays in this process, with the profile's settings, for the caller's own use."""
    import contextlib
    import io

    from dbt.cli.main import dbtRunner

    buffer = io.StringIO()
    with contextlib.chdir(project_dir), contextlib.redirect_stdout(buffer):
        result = dbtRunner().invoke([*args, "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)])
    if not result.success:
        raise SystemExit(f"`dbt {' '.join(args)}` failed:\n{buffer.getvalue()[-5000:]}{result.exception or ''}")
    return buffer.getvalue()


def connect_postgres(connection: dict):
    """A psycopg2 connection to the server and database of macro target_connection (the
    password from PGPASSWORD, as libpq reads it)."""
    import psycopg2  # requirements-postgres.txt

    return psycopg2.connect(
        host=connection["host"], port=connection["port"], user=connection["user"], dbname=connection["dbname"]
    )


def _postgres_marts(location: dict, project_dir: Path) -> dict:
    """Every table of the marts schema, as pandas (numeric as float)."""
    import decimal

    import pandas as pd

    con = connect_postgres(location["connection"])
    try:
        with con.cursor() as cur:
            cur.execute(
                "select table_name from information_schema.tables where table_schema = %s", [location["marts_schema"]]
            )
            frames = {}
            for (name,) in cur.fetchall():
                cur.execute(f'select * from "{location["marts_schema"]}"."{name}"')
                rows = [[float(v) if isinstance(v, decimal.Decimal) else v for v in row] for row in cur.fetchall()]
                frames[name] = pd.DataFrame(rows, columns=[d[0] for d in cur.description])
            return frames
    finally:
        con.close()


def spark_session(connection: dict):
    """The target's Spark session for DataFrame work, once dbt has run a query in this
    process: the `session` method's own session (the profile's settings), or else, for a
    Spark server (method thrift), Spark Connect at SPARK_CONNECT_URL (default
    sc://<host>:15002). dbt's target context does not say which method a target uses."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession  # requirements-spark.txt

    if SparkContext._active_spark_context is not None:  # dbt started Spark in this process
        return SparkSession.builder.getOrCreate()
    url = os.environ.get("SPARK_CONNECT_URL") or f"sc://{connection['host']}:15002"
    return SparkSession.builder.remote(url).getOrCreate()


def _spark_marts(location: dict, project_dir: Path) -> dict:
    """Every table of the marts schema through the target's Spark session (in process: opened
    by dbt's first query; with the local metastore, no other process may hold it)."""
    dbt_here(["show", "--inline", "select 1 as opened", "--target", location["target"]], project_dir)
    spark = spark_session(location["connection"])
    schema = location["marts_schema"]
    if not spark.catalog.databaseExists(schema):
        return {}
    return {t.name: spark.table(f"{schema}.{t.name}").toPandas() for t in spark.catalog.listTables(schema)}
