"""The prediction fit step for engines whose dbt adapter runs no Python models (rules section 9.6).

    python scripts/fit_predictions.py --target postgres|spark [--vars YAML] [--project-dir DIR]

On DuckDB the dbt Python model int_customers_clv_scored fits and scores during `dbt build`.
On PostgreSQL and Spark that model is a SQL model reading what this step wrote. The step, in
one process (dbt runs in it, so with the `spark` target's session method its session is this
step's; with `spark_thrift`, a Spark server, the step's DataFrames go through Spark Connect):

1. builds the purchase summaries it reads (`dbt run --select +int_customers_purchases_summarized`
   with the same vars as the build);
2. asks dbt for its plan (`dbt run-operation clv_fit_plan`: the summary relation, the output
   table and its columns, the as_of_date and the settings, all as the build will see them);
3. fits and scores every organisation x setting x reference with
   ``retention_clv.frames.score_reference`` (the code the Python model runs):
   - PostgreSQL: the summary read in one COPY, scored in this process, written with COPY into
     a new table that replaces the old one in one transaction;
   - Spark: ``groupBy(reference, organization_id, setting).applyInPandas``, one task per
     group (no customer rows collected to the driver), saved as a new table; the view the
     build reads is then pointed at it in one metastore operation and older tables dropped.
   Readers see the old fit or the new one, never a mix; a killed step leaves the old one.

The scores carry the fit's as_of_date and settings; the build's check (macro
clv_fit_step_check) fails with one message naming this step when they are not the build's.
scheduled_run.py, backfill.py and demo.sh run this step on such targets before `dbt build`
(``run_fit``: in a child process, so a Spark session and its metastore lock end with it), and
that build leaves out the models the step has just built (``AFTER_FIT``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from retention_clv.frames import REFERENCES, SUMMARY_COLUMNS, score_reference, score_references, scoring_options
from retention_tools import PROJECT_ROOT
from retention_tools.dbt_target import connect_postgres, dbt_here, spark_session

FIT_ENGINES = ("postgres", "spark")
# What the step builds before it fits: the purchase summaries and every model they read.
FIT_STEP_MODELS = "+int_customers_purchases_summarized"
# The arguments of the build that follows the step (same vars, same run): it leaves out the
# models the step has just built (14 of them, the event pass included) but not their tests
# (no indirect selection: every other node is selected directly, so the tests stay).
AFTER_FIT = ["--exclude", f"{FIT_STEP_MODELS},resource_type:model", "--indirect-selection", "empty"]
# the engine's type of each kind of column (macro clv_score_columns)
COLUMN_TYPES = {
    "postgres": {
        "string": "text",
        "bigint": "bigint",
        "double": "double precision",
        "boolean": "boolean",
        "date": "date",
    },
    "spark": {"string": "string", "bigint": "bigint", "double": "double", "boolean": "boolean", "date": "date"},
}
# the columns the step adds to the scores: for which build they were fitted
FIT_COLUMNS = {"as_of_date": "date", "fit_settings": "string"}


def plan(target: str, vars_yaml: str | None, project_dir: Path) -> dict:
    """Build the summaries, then ask dbt where they are and what the build expects."""
    extra = ["--vars", vars_yaml] if vars_yaml else []
    dbt_here(["run", "--target", target, "--select", FIT_STEP_MODELS, *extra], project_dir)
    out = dbt_here(["run-operation", "clv_fit_plan", "--target", target, *extra], project_dir)
    for line in out.splitlines():
        if "CLV_FIT_PLAN " in line:
            return json.loads(line.split("CLV_FIT_PLAN ", 1)[1])
    raise SystemExit(f"fit step: dbt gave no plan:\n{out[-5000:]}")


def _columns(the_plan: dict) -> dict[str, str]:
    """The output table's columns and their engine types."""
    types = COLUMN_TYPES[the_plan["type"]]
    return {c: types[kind] for c, kind in {**the_plan["columns"], **FIT_COLUMNS}.items()}


def _boolean(values: pd.Series) -> pd.Series:
    return values.map({"t": True, "f": False, "true": True, "false": False}).astype("boolean")


def read_postgres(cur, summary: str) -> pd.DataFrame:
    """The summary of both references in one COPY, typed as the maths reads it."""
    # unquoted names fold to lower case in PostgreSQL (T is column t)
    columns = ", ".join(["reference", *[c.lower() for c in SUMMARY_COLUMNS]])
    buffer = io.StringIO()
    cur.copy_expert(f"copy (select {columns} from {summary}) to stdout with (format csv, header true)", buffer)
    buffer.seek(0)
    frame = pd.read_csv(
        buffer,
        dtype={"reference": str, "organization_id": str, "customer_id": str, "setting": str, "lapsed": str},
        keep_default_na=False,
        na_values={c: [""] for c in ("x", "t_x", "t", "m", "periods_paid", "lapsed", "contract_amount_total")},
    )
    frame = frame.rename(columns={"t": "T"})
    frame["lapsed"] = _boolean(frame["lapsed"].where(frame["lapsed"].notna(), None))
    return frame


def _csv(frame: pd.DataFrame) -> io.BytesIO:
    """The frame as CSV for COPY: NULL unquoted and empty, text quoted, doubles in their
    shortest round-trip form (Arrow's writer: ten times faster than pandas' to_csv)."""
    buffer = io.BytesIO()
    pa_csv.write_csv(
        pa.Table.from_pandas(frame, preserve_index=False), buffer, pa_csv.WriteOptions(include_header=False)
    )
    buffer.seek(0)
    return buffer


def fit_postgres(the_plan: dict, options: dict) -> int:
    """Read the summary in one COPY, score it, write the scores with COPY into <output>__new
    and swap it in, all in one transaction."""
    columns = _columns(the_plan)
    schema, identifier = the_plan["output_schema"], the_plan["output_identifier"]
    new = f'"{schema}"."{identifier}__new"'
    con = connect_postgres(the_plan["connection"])  # the target's server and database, as dbt's
    try:
        with con, con.cursor() as cur:
            summary = read_postgres(cur, the_plan["summary"])
            scores = score_references(
                lambda r: summary.loc[summary["reference"] == r, SUMMARY_COLUMNS].reset_index(drop=True),
                REFERENCES,
                **options,
            )
            scores["as_of_date"] = the_plan["as_of_date"]
            scores["fit_settings"] = the_plan["settings"]
            cur.execute(f'create schema if not exists "{schema}"')
            cur.execute(f"drop table if exists {new}")
            # quoted: the names as they are (T), as the SQL model reads them
            definitions = ", ".join(f'"{c}" {t}' for c, t in columns.items())
            cur.execute(f"create table {new} ({definitions})")
            cur.copy_expert(f"copy {new} from stdin with (format csv, freeze true)", _csv(scores[list(columns)]))
            cur.execute(f'drop table if exists "{schema}"."{identifier}"')
            cur.execute(f'alter table {new} rename to "{identifier}"')
        return len(scores)
    finally:
        con.close()


def fit_spark(the_plan: dict, options: dict) -> int:
    """Score each reference x organisation x setting in its own Spark task, save the scores as
    a new table <output>__<id>, point the view <output> at it, drop the older tables."""
    from pyspark.sql import functions as F  # requirements-spark.txt

    spark = spark_session(the_plan["connection"])  # dbt's own session, or Spark Connect on a server
    columns = _columns(the_plan)
    schema = the_plan["output_schema"]
    view = f"{schema}.{the_plan['output_identifier']}"
    stamp = f"{the_plan['output_identifier']}__{uuid.uuid4().hex[:12]}"
    scored_schema = ", ".join(f"`{c}` {t}" for c, t in columns.items() if c not in FIT_COLUMNS)

    def score(group: pd.DataFrame) -> pd.DataFrame:
        reference = group["reference"].iloc[0]
        out = score_reference(group[SUMMARY_COLUMNS].reset_index(drop=True), reference, **options)
        return out[[c for c in columns if c not in FIT_COLUMNS]]

    summary = spark.table(the_plan["summary"]).select("reference", *SUMMARY_COLUMNS)
    scores = (
        summary.groupBy("reference", "organization_id", "setting")
        .applyInPandas(score, scored_schema)
        .withColumn("as_of_date", F.lit(the_plan["as_of_date"]).cast("date"))
        .withColumn("fit_settings", F.lit(the_plan["settings"]))
    )
    spark.sql(f"create schema if not exists {schema}")
    scores.write.saveAsTable(f"{schema}.{stamp}")
    rows = spark.table(f"{schema}.{stamp}").count()
    existing = {t.name: t.tableType for t in spark.catalog.listTables(schema)}
    if existing.get(the_plan["output_identifier"], "VIEW") != "VIEW":
        spark.sql(f"drop table {view}")  # a table left by something else: the view replaces it
    spark.sql(f"create or replace view {view} as select * from {schema}.{stamp}")
    for name in existing:
        if name.startswith(f"{the_plan['output_identifier']}__") and name != stamp:
            spark.sql(f"drop table if exists {schema}.{name}")
    return rows


FITTERS = {"postgres": fit_postgres, "spark": fit_spark}


def fit(target: str, vars_yaml: str | None = None, project_dir: Path = PROJECT_ROOT) -> str:
    """The fit step in this process; returns what it did, in one line."""
    start = time.perf_counter()
    project_dir = Path(project_dir).resolve()
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # Spark's Python workers import retention_clv: this interpreter, which has it
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    with contextlib.chdir(project_dir):  # Spark's relative warehouse and metastore paths are the project's
        the_plan = plan(target, vars_yaml, project_dir)
        if the_plan["type"] not in FITTERS:
            return f"fit step: nothing to do on {the_plan['type']}"
        planned = time.perf_counter()
        rows = FITTERS[the_plan["type"]](the_plan, scoring_options(json.loads(the_plan["settings"])))
    end = time.perf_counter()
    return (
        f"fit step: {rows:,} customer rows scored for as_of_date {the_plan['as_of_date']} into "
        f"{the_plan['output']} in {end - start:.1f} s (summaries and plan {planned - start:.1f} s, "
        f"fit and write {end - planned:.1f} s)"
    )


def run_fit(target: str, vars_yaml: str | None = None, project_dir: Path = PROJECT_ROOT) -> str:
    """The fit step in a child process (a Spark session, and its metastore lock, end with it);
    returns its line, or raises SystemExit with its output."""
    args = [sys.executable, "-m", "retention_tools.fit_step", "--target", target, "--project-dir", str(project_dir)]
    proc = subprocess.run([*args, *(["--vars", vars_yaml] if vars_yaml else [])], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-5000:] + proc.stderr[-3000:])
    return proc.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="a profiles.yml target whose engine runs no dbt Python models")
    parser.add_argument("--vars", help="the vars of the build it fits for (YAML or JSON, as dbt's --vars)")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT)
    args = parser.parse_args(argv)
    print(fit(args.target, args.vars, args.project_dir))
    return 0


if __name__ == "__main__":  # python -m retention_tools.fit_step
    sys.exit(main())
