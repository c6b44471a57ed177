"""The same project on DuckDB, PostgreSQL and Spark gives the same marts, for one data set
of two parts in one build (two_part.py): the hand-made fixture (raw CSVs with bad rows, plus
lines no reader can take) and a generated data set with bad rows of every kind. It is built on
every engine from the same raw files and upload in the same two runs: a scheduled run of the
latest date (the scheduled-run path on each engine: fit step, build, data tests, the history's
commit), then the final build of an earlier date with every dbt unit and data test, a backfill
that rewrites the later run's carried values and migration. So the history, its migration and
customer_segments' previous segment are compared too. The marts are compared as
tests/python/engines.py describes; that the history of runs out of order is the history of the
same dates in order is test_history_out_of_order.py's, on DuckDB: that sequence runs the same
SQL and the same kinds of commit (deletes of the dates a run replaces, then inserts) as the
backfill here does on every engine.

PostgreSQL is a throwaway local server (scripts/pg_local.sh), one database per data set;
Spark a local Spark server (scripts/spark_server.sh: Thrift for dbt, Spark Connect for the fit
step) per test module, its metastore in a directory of its own. The `spark` target's
in-process session is test_spark_session.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from dbt_runner import PROJECT_ROOT, make_project
from engines import ENGINES, assert_marts_equal, build_all, connect_args, create_database, psycopg2
from handmade import FIXTURE
from two_part import BETWEEN, HANDMADE_TRANSACTIONS, LATEST, two_part_raw

pytest.importorskip("pyspark", reason="requirements-spark.txt is not installed")

RUNS = ((LATEST, "scheduled"),)  # on every engine, before the final build at BETWEEN


@pytest.fixture(scope="module")
def handmade(tmp_path_factory, postgres, spark_server):
    tmp = tmp_path_factory.mktemp("handmade_cross")
    raw, upload = two_part_raw(tmp)
    return build_all(tmp, raw, upload, "handmade", postgres, spark_server, RUNS, BETWEEN)


@pytest.mark.parametrize("engine", ENGINES[1:])
def test_the_data_set_gives_the_same_marts(handmade, engine):
    assert_marts_equal(handmade, engine)
    kinds = handmade.query("select count(distinct source_table || reason_code) as n from marts.data_quality_rejects")
    assert kinds[0]["n"] >= 30  # the comparison covers rejects of many kinds, of both parts
    dates = {r["as_of_date"] for r in handmade.dumps[engine]["history_runs"]}
    assert dates == {BETWEEN, LATEST}  # both runs are in the compared history


def test_load_raw_replaces_tables_and_keeps_unreadable_lines(handmade, postgres):
    """Loading again replaces (no duplicate rows); the CSV reader's rejects reach load_errors."""
    env = handmade.env()
    for _ in range(2):
        subprocess.run(
            [
                sys.executable,
                str(PROJECT_ROOT / "scripts" / "load_raw.py"),
                "--target",
                "postgres",
                "--raw-dir",
                str(handmade.raw_dir),
            ],
            env=env,
            check=True,
            capture_output=True,
        )
    with psycopg2.connect(**connect_args(postgres, "handmade")) as con, con.cursor() as cur:
        cur.execute("select count(*), count(distinct _raw_row_number), min(_raw_row_number) from raw.transactions")
        rows, distinct, first = cur.fetchone()
        cur.execute("select source_table, file, line, csv_line, error_message from raw.load_errors order by 1, 3")
        pg_errors = [tuple(r) for r in cur.fetchall()]
    expected = handmade.query("select count(*) as n from raw.transactions")[0]["n"]
    assert (rows, distinct, first) == (expected, expected, 1)
    duck_errors = [
        tuple(r.values())
        for r in handmade.query(
            "select source_table, file, line, csv_line, error_message from raw.load_errors order by 1, 3"
        )
    ]
    assert pg_errors == duck_errors and len(pg_errors) == 4


def test_load_raw_reads_a_folder_of_files_like_one_file(handmade, postgres, tmp_path):
    """The hand-made transactions file split into Hive date= folders of CSV files loads into
    PostgreSQL as the same rows, raw order and unreadable lines as the one file on DuckDB (the
    CSV lines are split after the header; the last file keeps the cut-off line)."""
    raw = tmp_path / "raw"
    shutil.copytree(handmade.raw_dir, raw)
    lines = (raw / HANDMADE_TRANSACTIONS).read_bytes().split(b"\n")
    header, body = lines[0], lines[1:]
    # cut at record boundaries: the quoted newline of T_NEWLINE stays within one file
    cuts = [0, 120, 250, len(body)]
    (raw / HANDMADE_TRANSACTIONS).unlink()
    for i, (lo, hi) in enumerate(zip(cuts, cuts[1:])):
        folder = raw / HANDMADE_TRANSACTIONS.removesuffix(".csv") / f"date=2026-05-0{i + 1}"
        folder.mkdir(parents=True)
        (folder / "part-0.csv").write_bytes(b"\n".join([header, *body[lo:hi]]))
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "load_raw.py"),
            "--target",
            "postgres",
            "--raw-dir",
            str(raw),
            "--schema",
            "raw_folder",
        ],
        env=handmade.env(),
        check=True,
        capture_output=True,
    )
    columns = (
        "transaction_id, customer_id, occurred_at, transaction_type, amount, quantity, category, "
        "discount_amount, _raw_row_number"
    )
    with psycopg2.connect(**connect_args(postgres, "handmade")) as con, con.cursor() as cur:
        cur.execute(f"select {columns} from raw_folder.transactions order by _raw_row_number")
        pg_rows = [tuple(r) for r in cur.fetchall()]
        cur.execute("select source_table, csv_line, error_message from raw_folder.load_errors order by csv_line")
        pg_errors = [tuple(r) for r in cur.fetchall()]
    duck_rows = [
        tuple(r.values()) for r in handmade.query(f"select {columns} from raw.transactions order by _raw_row_number")
    ]
    assert pg_rows == duck_rows
    assert pg_errors == [
        tuple(r.values())
        for r in handmade.query("select source_table, csv_line, error_message from raw.load_errors order by csv_line")
    ]


def test_an_empty_upload_file_is_an_empty_seed_on_postgres(tmp_path, postgres):
    """The seed of a 0-byte upload file (var churn_upload_from: seed) is an empty table on
    PostgreSQL too."""
    create_database(postgres, "empty_upload")
    project = make_project(tmp_path, FIXTURE, upload_csv="")
    project.extra_env = {**postgres, "PGDATABASE": "empty_upload"}
    project.run("seed", "--target", "postgres", vars={"churn_upload_from": "seed"})
    with psycopg2.connect(**connect_args(postgres, "empty_upload")) as con, con.cursor() as cur:
        cur.execute("select count(*) from seeds.synthetic_churn_predictions")
        assert cur.fetchone()[0] == 0
        cur.execute("select count(*) from marts.segment_definitions")
        assert cur.fetchone()[0] == 11  # the other seeds load as usual
