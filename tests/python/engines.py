"""What the cross-engine tests share: a throwaway local PostgreSQL server (scripts/pg_local.sh)
per test module (the `postgres` fixture of conftest.py), building one data set on every engine,
reading marts through dbt itself (run-operation dump_relations_json) and comparing them with
DuckDB's row by row: keys and text equal, numbers within 0.01, JSON equal as parsed values. Run timestamps (assigned_at,
analyzed_at, written_at, invocation_id) differ by nature and are left out. The prediction
marts and model churn come from a dbt Python model on DuckDB and from the fit step
(scripts/fit_predictions.py, run before each build there) on PostgreSQL and Spark: the
prediction marts are compared with numbers to a relative 1e-6, with the default vars (model
churn on)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from dbt_runner import PROJECT_ROOT, RUN_COLUMNS, make_project
from retention_tools.fit_step import AFTER_FIT, FIT_ENGINES

psycopg2 = pytest.importorskip("psycopg2", reason="requirements-postgres.txt is not installed")

MARTS_DIR = PROJECT_ROOT / "models" / "marts"
# The marts that read only the CLV scores (models/marts/predictions/clv/): numbers compared to
# a relative 1e-6
PREDICTION_MARTS = sorted(p.stem for p in (MARTS_DIR / "predictions" / "clv").glob("*.sql"))
HISTORY_TABLES = ["history_runs", "segment_history", "segment_migration", "behavior_signal_history"]
MARTS = (
    sorted(p.stem for p in MARTS_DIR.rglob("*.sql") if "history" not in p.parts)
    + ["segment_definitions"]
    + HISTORY_TABLES
)
# The targets compared: Spark as a server (scripts/spark_server.sh, fixture spark_server), one
# JVM for every dbt invocation of a module instead of one each (the `spark` target's session).
ENGINES = ["duckdb", "postgres", "spark_thrift"]
ENGINE_OF = {
    "duckdb": "duckdb",
    "dev": "duckdb",
    "postgres": "postgres",
    "postgres_dev": "postgres",
    "spark": "spark",
    "spark_thrift": "spark",
}  # profiles.yml's targets


def dump_marts(
    project, target: str, schema: str = "marts", relations: list[str] = MARTS, vars: dict | None = None
) -> dict[str, list[dict]]:
    """Every compared mart of ``target``, rows of text values, read through dbt itself (with the
    vars of the build before it, dbt parses the project again only when they differ)."""
    proc = project.run(
        "run-operation",
        "dump_relations_json",
        "--target",
        target,
        "--args",
        json.dumps({"relations": relations, "schema": schema}),
        vars=vars,
    )
    dumps = {}
    for line in proc.stdout.splitlines():
        if "RELATION_JSON " in line:
            item = json.loads(line.split("RELATION_JSON ", 1)[1])
            dumps[item["relation"]] = item["rows"]
    assert sorted(dumps) == sorted(relations), proc.stdout[-3000:]
    return dumps


def fit(project, target: str, vars: dict) -> list[str]:
    """The prediction fit step where the target needs it (as scheduled_run.py runs it); returns
    the arguments of the dbt command that follows it (AFTER_FIT: leave out what it built)."""
    if ENGINE_OF[target] not in FIT_ENGINES:
        return []
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "fit_predictions.py"),
            "--target",
            target,
            "--vars",
            json.dumps(vars),
            "--project-dir",
            str(project.root),
        ],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and "customer rows scored" in proc.stdout, proc.stdout + proc.stderr
    return AFTER_FIT


def load_raw(project, raw: Path, target: str) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "load_raw.py"),
            "--target",
            ENGINE_OF[target],
            *(["--dbt-target", target] if ENGINE_OF[target] == "spark" else []),
            "--raw-dir",
            str(raw),
            "--project-dir",
            str(project.root),
        ],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def build_all(
    tmp: Path,
    raw: Path,
    upload: Path,
    database: str,
    pg_env: dict,
    spark_env: dict,
    runs: tuple[tuple[str, str], ...],
    as_of_date: str,
):
    """Build the data set on every engine (Spark: the server of ``spark_env``); return the
    project with ``dumps[target]``. On each engine first ``runs`` (run_history), then the
    build at ``as_of_date`` with every dbt unit and data test."""
    create_database(pg_env, database)
    project = make_project(tmp, raw, upload_csv=upload)
    project.extra_env = {**pg_env, "PGDATABASE": database, "SPARK_LOCAL_IP": "127.0.0.1", **spark_env}
    project.dumps = {}
    for target in ENGINES:
        if target != "duckdb":
            load_raw(project, raw, target)
        run_history(project, target, runs)
        vars = {"as_of_date": as_of_date}
        project.build(*fit(project, target, vars), vars=vars, target=target, unit_tests=True)
        project.dumps[target] = dump_marts(project, target, vars=vars)
    return project


def run_history(project, target: str, runs: tuple[tuple[str, str], ...]) -> None:
    """``runs`` in order, each (as_of_date, how): "history" a build of the history models and
    what feeds them, "scheduled" a scheduled run (scripts/scheduled_run.py: fit step, build,
    data tests, the history's commit)."""
    for as_of_date, how in runs:
        if how == "scheduled":
            scheduled_run(project, target, as_of_date)
        else:
            build_history(project, target, {"as_of_date": as_of_date})


def scheduled_run(project, target: str, as_of_date: str) -> None:
    """The build as a scheduled run does it (fit step first where the engine needs it)."""
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "scheduled_run.py"),
            "--target",
            target,
            "--no-publish",
            "--as-of-date",
            as_of_date,
            "--quiet",
            "--project-dir",
            str(project.root),
        ],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    assert ("fit step in " in proc.stdout) == (ENGINE_OF[target] in FIT_ENGINES), proc.stdout


def build_history(project, target: str, vars: dict) -> None:
    """A build of the history models and what feeds them (no tests): it commits the date."""
    after_fit = fit(project, target, vars)
    proc = project.run(
        "build",
        "--target",
        target,
        "--select",
        "+tag:history",
        "--resource-type",
        "model",
        "--resource-type",
        "seed",
        *after_fit,
        vars=vars,
    )
    assert f"History written for as_of_date {vars['as_of_date']}" in proc.stdout, proc.stdout[-3000:]


def connect_args(pg_env: dict, database: str) -> dict:
    return {"host": pg_env["PGHOST"], "port": pg_env["PGPORT"], "user": pg_env["PGUSER"], "dbname": database}


def _value(v):
    """A comparable form of a text value: numbers as floats, JSON text parsed."""
    if v is None:
        return None
    try:
        return float(v)
    except ValueError:
        pass
    if v[:1] in "[{":
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def _key(row: dict) -> tuple:
    """Sort key: every value but the numbers with decimals (those may differ slightly)."""
    return tuple(
        (k, json.dumps(v, sort_keys=True))
        for k, v in sorted(row.items())
        if not (isinstance(v, float) and not v.is_integer())
    )


def _close(a, b, rel: float | None = None) -> bool:
    """Equal, numbers within 0.01 (or within a relative and absolute ``rel``)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], rel) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, rel) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if rel is not None:
            return math.isclose(a, b, rel_tol=rel, abs_tol=rel)
        return math.isclose(a, b, abs_tol=0.01 + 1e-9)
    return a == b


def _normalize(rows: list[dict]) -> list[dict]:
    out = [{k: _value(v) for k, v in row.items() if k not in RUN_COLUMNS} for row in rows]
    return sorted(out, key=_key)


def create_database(pg_env: dict, database: str) -> None:
    admin = psycopg2.connect(**connect_args(pg_env, "postgres"))
    admin.autocommit = True
    admin.cursor().execute(f"create database {database}")
    admin.close()


def assert_dumps_equal(
    expected: dict[str, list[dict]], actual: dict[str, list[dict]], label: str, may_be_empty: frozenset = frozenset()
) -> None:
    """Every relation of ``expected`` (DuckDB's) equals ``actual``'s, row for row (``label``
    names the other side in the message); the prediction marts' numbers to a relative 1e-6."""
    differences = []
    assert sorted(actual) == sorted(expected), (sorted(expected), sorted(actual))
    for mart in expected:
        rel = 1e-6 if mart in PREDICTION_MARTS else None
        duck, other = _normalize(expected[mart]), _normalize(actual[mart])
        if len(duck) != len(other):
            differences.append(f"{mart}: {len(duck)} rows on DuckDB, {len(other)} on {label}")
            continue
        assert duck or mart in may_be_empty, f"{mart} is empty: the comparison would prove nothing"
        for d, o in zip(duck, other):
            if d.keys() != o.keys():
                differences.append(f"{mart}: columns {sorted(d)} on DuckDB, {sorted(o)} on {label}")
                break
            bad = [k for k in d if not _close(d[k], o[k], rel)]
            if bad:
                differences.append(f"{mart}: {[(k, d[k], o[k]) for k in bad]} in row {d}")
                break
    assert not differences, "\n".join(differences)


def assert_marts_equal(project, engine: str, may_be_empty: frozenset = frozenset()) -> None:
    assert_dumps_equal(project.dumps["duckdb"], project.dumps[engine], engine, may_be_empty)
