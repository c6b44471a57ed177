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
        return {"target": None, "type": "duckdb", "marts_schema": "marts",
                "path": os.environ.get("DBT_DUCKDB_PATH", "data/retention.duckdb")}
    with tempfile.TemporaryDirectory() as work:
        env = {**os.environ, "DBT_TARGET_PATH": f"{work}/target", "DBT_LOG_PATH": f"{work}/logs", "DO_NOT_TRACK": "1"}
        proc = subprocess.run([DBT, "run-operation", "target_location", "--target", target,
                               "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)],
                              cwd=project_dir, env=env, capture_output=True, text=True)
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
    names = [row[0] for row in con.execute(
        "select table_name from information_schema.tables where table_catalog = 'work' and table_schema = ?",
        [marts_schema]).fetchall()]
    if not names:
        raise SystemExit(f"{database} has no schema {marts_schema}: build that target first")
    con.execute("create schema marts")
    for name in names:
        con.execute(f'create view marts."{name}" as select * from work."{marts_schema}"."{name}"')
    return con
