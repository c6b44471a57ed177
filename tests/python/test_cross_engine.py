"""The same project on DuckDB, PostgreSQL and Spark gives the same marts.

Two data sets, each built on every engine from the same raw files and upload (the hand-made
one after runs of the history out of order: a later date, an earlier one twice, then the
build between them, so that the history, its migration and customer_segments' previous
segment are compared too, and equal those of running the dates in order): the hand-made
fixture (raw CSVs with bad rows, plus lines no reader can take) and a generated data set with
bad rows of every kind (Parquet). Each engine's build runs all dbt unit and data tests. Every
mart is then read through dbt itself (run-operation dump_relations_json) and compared with
DuckDB's row by row: keys and text equal, numbers within 0.01, JSON equal as parsed values;
the rejects are identical. Run timestamps (assigned_at, analyzed_at) differ by nature and are
left out. Model churn (the CLV Python models) exists only on DuckDB, so every engine builds
with var churn_model_fallback false.

PostgreSQL is a throwaway local server (scripts/pg_local.sh), one database per data set;
Spark a local session whose metastore lives in the project copy (.spark/).
"""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import generate
from dbt_runner import PROJECT_ROOT, make_project

psycopg2 = pytest.importorskip("psycopg2", reason="requirements-postgres.txt is not installed")
pytest.importorskip("pyspark", reason="requirements-spark.txt is not installed")

HANDMADE = Path(__file__).resolve().parent / "fixtures" / "handmade"
PYTHON_ONLY_MARTS = {"customer_lifetime_value", "clv_model_params", "clv_backtest"}  # dbt Python models: DuckDB only
# Marts with rows of model churn (a dbt Python model) on DuckDB only: those rows are not compared.
MODEL_SOURCE_MARTS = {"churn_backtest", "churn_calibration"}
HISTORY_TABLES = ["history_runs", "segment_history", "segment_migration", "behavior_signal_history"]
MARTS = sorted(
    {p.stem for p in (PROJECT_ROOT / "models" / "marts").glob("*.sql")} - PYTHON_ONLY_MARTS
) + ["segment_definitions"] + HISTORY_TABLES
# Run timestamps and ids differ by nature: left out.
RUN_TIMESTAMPS = {"assigned_at", "analyzed_at", "written_at", "invocation_id"}
ENGINES = ["duckdb", "postgres", "spark"]
HISTORY_IN_ORDER = ("2026-05-02", "2026-05-20", "2026-06-01")
HANDMADE_UPLOAD_ORG = "7e1e0000-0000-4000-8000-00000000000a"
# Appended to the hand-made transactions: a quoted newline (read as written) before lines no
# reader can take (invalid UTF-8, too few fields, a broken quote, a cut-off last line), so
# every engine has the same unreadable_line rejects with the same line numbers.
UNREADABLE_LINES = (
    b'T_NEWLINE,a1000000-0000-4000-8000-000000000001,2026-05-01 09:00:00,call,,1,"two\nlines",\n'
    b"T_UNREADABLE,\xff\xfe,2026-05-01 10:00:00,login,,,,\n"
    b"T_SHORT,a1000000-0000-4000-8000-000000000001,2026-05-01 10:00:00\n"
    b'T_BADQUOTE,a1000000-0000-4000-8000-000000000001,2026-05-01 10:00:00,call,,1,"x"y,\n'
    b"T_CUT,a1000000-0000-4000-8000-000000000001,2026-05-01 11:00:00,topup,17"
)


@pytest.fixture(scope="module")
def postgres():
    """A local PostgreSQL server for this module; yields its libpq variables."""
    # Not under pytest's tmp_path: the server runs as the `postgres` user when we are root and
    # must be able to reach its directory.
    parent = Path(tempfile.mkdtemp(prefix="retention-pg-"))
    parent.chmod(0o755)
    env = {**os.environ, "PG_LOCAL_DIR": str(parent / "server")}
    script = PROJECT_ROOT / "scripts" / "pg_local.sh"
    proc = subprocess.run(["bash", str(script), "start"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    variables = dict(line.removeprefix("export ").split("=", 1) for line in proc.stdout.split("\n") if line.startswith("export "))
    yield variables
    subprocess.run(["bash", str(script), "stop"], env=env, capture_output=True, text=True)
    shutil.rmtree(parent, ignore_errors=True)


def _dump(project, target: str) -> dict[str, list[dict]]:
    """Every compared mart of ``target``, rows of text values, read through dbt itself."""
    proc = project.run("run-operation", "dump_relations_json", "--target", target,
                       "--args", json.dumps({"relations": MARTS}))
    dumps = {}
    for line in proc.stdout.splitlines():
        if "RELATION_JSON " in line:
            item = json.loads(line.split("RELATION_JSON ", 1)[1])
            dumps[item["relation"]] = item["rows"]
    assert sorted(dumps) == sorted(MARTS), proc.stdout[-3000:]
    return dumps


def _load(project, raw: Path, target: str) -> None:
    proc = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "load_raw.py"), "--target", target,
         "--raw-dir", str(raw), "--project-dir", str(project.root)],
        cwd=project.root, env=project.env(), capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _build_all(tmp: Path, raw: Path, upload: Path, database: str, pg_env: dict, vars: dict,
               history_dates: tuple[str, ...] = ()):
    """Build the data set on every engine, after runs of the history models (those that feed
    the history and its staged tables) at ``history_dates`` in that order; return the project
    with ``dumps[engine]``."""
    admin = psycopg2.connect(**_connect_args(pg_env, "postgres"))
    admin.autocommit = True
    admin.cursor().execute(f"create database {database}")
    admin.close()
    project = make_project(tmp, raw, upload_csv=upload)
    project.extra_env = {**pg_env, "PGDATABASE": database, "SPARK_LOCAL_IP": "127.0.0.1"}
    vars = {**vars, "churn_model_fallback": False}
    project.dumps = {}
    for target in ENGINES:
        if target != "duckdb":
            _load(project, raw, target)
        for as_of_date in history_dates:
            _build_history(project, target, {**vars, "as_of_date": as_of_date})
        project.build(vars=vars, target=target)
        project.dumps[target] = _dump(project, target)
    return project


def _build_history(project, target: str, vars: dict) -> None:
    """A build of the history models and what feeds them (no tests): it commits the date."""
    proc = project.run("build", "--target", target, "--select", "+tag:history",
                       "--resource-type", "model", "--resource-type", "seed", vars=vars)
    assert f"History written for as_of_date {vars['as_of_date']}" in proc.stdout, proc.stdout[-3000:]


def _connect_args(pg_env: dict, database: str) -> dict:
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


def _close(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, abs_tol=0.01 + 1e-9)
    return a == b


def _normalise(rows: list[dict]) -> list[dict]:
    out = [{k: _value(v) for k, v in row.items() if k not in RUN_TIMESTAMPS} for row in rows]
    return sorted(out, key=_key)


def assert_marts_equal(project, engine: str, may_be_empty: frozenset = frozenset()) -> None:
    differences = []
    for mart in MARTS:
        duck = _normalise([row for row in project.dumps["duckdb"][mart]
                           if not (mart in MODEL_SOURCE_MARTS and row.get("source") == "model")])
        other = _normalise(project.dumps[engine][mart])
        if len(duck) != len(other):
            differences.append(f"{mart}: {len(duck)} rows on DuckDB, {len(other)} on {engine}")
            continue
        assert duck or mart in may_be_empty, f"{mart} is empty: the comparison would prove nothing"
        for d, o in zip(duck, other):
            if d.keys() != o.keys():
                differences.append(f"{mart}: columns {sorted(d)} on DuckDB, {sorted(o)} on {engine}")
                break
            bad = [k for k in d if not _close(d[k], o[k])]
            if bad:
                differences.append(f"{mart}: {[(k, d[k], o[k]) for k in bad]} in row {d}")
                break
    assert not differences, "\n".join(differences)


@pytest.fixture(scope="module")
def handmade(tmp_path_factory, postgres):
    tmp = tmp_path_factory.mktemp("handmade_cross")
    raw = tmp / "raw"
    raw.mkdir()
    for name in ("organizations", "customers", "transactions", "churn_predictions"):
        shutil.copy2(HANDMADE / f"{name}.csv", raw / f"{name}.csv")
    with open(raw / "transactions.csv", "ab") as handle:
        handle.write(UNREADABLE_LINES)
    vars = {"as_of_date": HISTORY_IN_ORDER[1], "churn_upload_organization_id": HANDMADE_UPLOAD_ORG}
    # Out of order: the latest date, the earliest twice (a re-run replaces it), then the one
    # between them (a backfill that rewrites the latest run's carried values and migration).
    history = (HISTORY_IN_ORDER[2], HISTORY_IN_ORDER[0], HISTORY_IN_ORDER[0])
    return _build_all(tmp, raw, HANDMADE / "upload.csv", "handmade", postgres, vars, history)


@pytest.fixture(scope="module")
def handmade_in_order(handmade):
    """The history of the same three dates run in order, on DuckDB, in a database of its own."""
    project = make_project(handmade.root.parent / "in_order", handmade.raw_dir, upload_csv=HANDMADE / "upload.csv")
    vars = {"churn_upload_organization_id": HANDMADE_UPLOAD_ORG, "churn_model_fallback": False}
    for as_of_date in HISTORY_IN_ORDER:
        _build_history(project, "duckdb", {**vars, "as_of_date": as_of_date})
    proc = project.run("run-operation", "dump_relations_json", "--args", json.dumps({"relations": HISTORY_TABLES}))
    return {item["relation"]: item["rows"] for item in
            (json.loads(line.split("RELATION_JSON ", 1)[1]) for line in proc.stdout.splitlines() if "RELATION_JSON " in line)}


@pytest.mark.parametrize("engine", ENGINES)
def test_history_out_of_order_equals_in_order(handmade, handmade_in_order, engine):
    """Each engine's history after the out-of-order runs is the in-order history, row for row."""
    for table in HISTORY_TABLES:
        assert handmade_in_order[table], f"{table} is empty: the comparison would prove nothing"
        assert _normalise(handmade.dumps[engine][table]) == _normalise(handmade_in_order[table]), table
    runs = {(r["organization_id"], r["as_of_date"]) for r in handmade_in_order["history_runs"]}
    assert {d for _, d in runs} == set(HISTORY_IN_ORDER)


@pytest.fixture(scope="module")
def generated(tmp_path_factory, postgres):
    tmp = tmp_path_factory.mktemp("generated_cross")
    raw = generate(tmp / "raw", "--customers", "200", "--seed", "7", "--bad")
    return _build_all(tmp, raw, raw / "upload.csv", "generated", postgres, {})


@pytest.mark.parametrize("engine", ["postgres", "spark"])
def test_handmade_fixture_gives_the_same_marts(handmade, engine):
    assert_marts_equal(handmade, engine)


@pytest.mark.parametrize("engine", ["postgres", "spark"])
def test_generated_bad_data_gives_the_same_marts(generated, engine):
    assert_marts_equal(generated, engine, may_be_empty=frozenset({"segment_migration"}))  # one run only
    rejects = generated.query("select count(*) as n from marts.data_quality_rejects")[0]["n"]
    assert rejects > 20  # the comparison covers rejects of many kinds


def test_load_raw_replaces_tables_and_keeps_unreadable_lines(handmade, postgres):
    """Loading again replaces (no duplicate rows); the CSV reader's rejects reach load_errors."""
    env = handmade.env()
    for _ in range(2):
        subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "load_raw.py"), "--target", "postgres",
                        "--raw-dir", str(handmade.raw_dir)], env=env, check=True, capture_output=True)
    with psycopg2.connect(**_connect_args(postgres, "handmade")) as con, con.cursor() as cur:
        cur.execute("select count(*), count(distinct _raw_row_number), min(_raw_row_number) from raw.transactions")
        rows, distinct, first = cur.fetchone()
        cur.execute("select source_table, file, line, csv_line, error_message from raw.load_errors order by 1, 3")
        pg_errors = [tuple(r) for r in cur.fetchall()]
    expected = handmade.query("select count(*) as n from raw.transactions")[0]["n"]
    assert (rows, distinct, first) == (expected, expected, 1)
    duck_errors = [tuple(r.values()) for r in handmade.query(
        "select source_table, file, line, csv_line, error_message from raw.load_errors order by 1, 3")]
    assert pg_errors == duck_errors and len(pg_errors) == 4


def test_an_empty_upload_file_is_an_empty_seed_on_postgres(tmp_path, postgres):
    """The seed of a 0-byte upload file is an empty table on PostgreSQL too."""
    admin = psycopg2.connect(**_connect_args(postgres, "postgres"))
    admin.autocommit = True
    admin.cursor().execute("create database empty_upload")
    admin.close()
    project = make_project(tmp_path, HANDMADE, upload_csv="")
    project.extra_env = {**postgres, "PGDATABASE": "empty_upload"}
    project.run("seed", "--target", "postgres")
    with psycopg2.connect(**_connect_args(postgres, "empty_upload")) as con, con.cursor() as cur:
        cur.execute("select count(*) from seeds.synthetic_churn_predictions")
        assert cur.fetchone()[0] == 0
        cur.execute("select count(*) from marts.segment_definitions")
        assert cur.fetchone()[0] == 11  # the other seeds load as usual
