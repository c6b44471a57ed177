"""The prediction fit step for engines whose dbt adapter runs no Python models (rules section 9.6).

    python scripts/fit_predictions.py --target postgres [--vars YAML] [--project-dir DIR]

On DuckDB the dbt Python model int_customers_clv_scored fits and scores during `dbt build`.
On PostgreSQL that model is a SQL model reading what this step wrote. The step:

1. builds the purchase summaries it reads (`dbt run --select +int_customers_purchases_summarized`
   with the same vars as the build);
2. asks dbt for its plan (`dbt run-operation clv_fit_plan`: the summary relation, the output
   table, the as_of_date and the settings, all as the build will see them);
3. reads the summary in one query (COPY), fits and scores every organisation x setting x
   reference with ``retention_clv.frames.score_references`` (the code the Python model runs),
   and writes the scores with COPY into a new table that replaces the old one in one
   transaction (readers see the old fit or the new one, never a mix).

The scores carry the fit's as_of_date and settings; the build's check (macro
clv_fit_step_check) fails with one message naming this step when they are not the build's.
scheduled_run.py, backfill.py and demo.sh run this step on such targets before `dbt build`.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from retention_clv.frames import REFERENCES, SUMMARY_COLUMNS, score_references, scoring_options
from retention_tools import DBT, PROJECT_ROOT

# the columns of the scores table, with their PostgreSQL types
SCORE_TYPES = {
    "organization_id": "text", "customer_id": "text", "reference": "text", "model": "text",
    "variant": "text", "x": "bigint", "t_x": "bigint", "T": "bigint", "m": "double precision",
    "periods_paid": "bigint", "lapsed": "boolean", "p_alive": "double precision",
    "churn_probability": "double precision", "expected_purchases_90d": "double precision",
    "expected_avg_value": "double precision", "clv_365d": "double precision",
    "expected_purchases_horizon": "double precision", "customers_fitted": "bigint",
    "r": "double precision", "alpha": "double precision", "a": "double precision",
    "b": "double precision", "sbg_alpha": "double precision", "sbg_beta": "double precision",
    "log_likelihood": "double precision", "p": "double precision", "q": "double precision",
    "v": "double precision", "gamma_gamma_log_likelihood": "double precision",
    "converged": "boolean", "reason": "text", "fit_variant": "text",
    "dropout_probability": "double precision", "aic": "double precision",
    "as_of_date": "date", "fit_settings": "text",
}


def _dbt(args: list[str], project_dir: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([DBT, *args, "--project-dir", str(project_dir), "--profiles-dir",
                           str(project_dir)], cwd=project_dir, env=env, capture_output=True, text=True)


def plan(target: str, vars_yaml: str | None, project_dir: Path, env: dict) -> dict:
    """Build the summaries, then ask dbt where they are and what the build expects."""
    extra = ["--vars", vars_yaml] if vars_yaml else []
    proc = _dbt(["run", "--target", target, "--select", "+int_customers_purchases_summarized", *extra],
                project_dir, env)
    if proc.returncode != 0:
        raise SystemExit(f"fit step: building the purchase summaries failed:\n{proc.stdout[-5000:]}{proc.stderr[-2000:]}")
    proc = _dbt(["run-operation", "clv_fit_plan", "--target", target, *extra], project_dir, env)
    for line in proc.stdout.splitlines():
        if "CLV_FIT_PLAN " in line:
            return json.loads(line.split("CLV_FIT_PLAN ", 1)[1])
    raise SystemExit(f"fit step: dbt gave no plan:\n{proc.stdout[-5000:]}{proc.stderr[-2000:]}")


def _boolean(values: pd.Series) -> pd.Series:
    return values.map({"t": True, "f": False, "true": True, "false": False}).astype("boolean")


def read_postgres(cur, summary: str) -> pd.DataFrame:
    """The summary of both references in one COPY, typed as the maths reads it."""
    # unquoted names fold to lower case in PostgreSQL (T is column t)
    columns = ", ".join(["reference", *[c.lower() for c in SUMMARY_COLUMNS]])
    buffer = io.StringIO()
    cur.copy_expert(f"copy (select {columns} from {summary}) to stdout with (format csv, header true)", buffer)
    buffer.seek(0)
    frame = pd.read_csv(buffer, dtype={"reference": str, "organization_id": str, "customer_id": str,
                                       "setting": str, "lapsed": str}, keep_default_na=False,
                        na_values={c: [""] for c in ("x", "t_x", "t", "m", "periods_paid", "lapsed",
                                                      "contract_amount_total")})
    frame = frame.rename(columns={"t": "T"})
    frame["lapsed"] = _boolean(frame["lapsed"].where(frame["lapsed"].notna(), None))
    return frame


def write_postgres(cur, scores: pd.DataFrame, schema: str, identifier: str) -> None:
    """Write the scores into <identifier>__new, then swap it in within the caller's transaction."""
    new = f'"{schema}"."{identifier}__new"'
    cur.execute(f'create schema if not exists "{schema}"')
    cur.execute(f"drop table if exists {new}")
    cur.execute(f"create table {new} ({', '.join(f'{c.lower()} {t}' for c, t in SCORE_TYPES.items())})")
    buffer = io.StringIO()
    scores[list(SCORE_TYPES)].to_csv(buffer, index=False, header=False, na_rep="")
    buffer.seek(0)
    cur.copy_expert(f"copy {new} from stdin with (format csv)", buffer)
    cur.execute(f'drop table if exists "{schema}"."{identifier}"')
    cur.execute(f'alter table {new} rename to "{identifier}"')


def fit_postgres(the_plan: dict) -> int:
    import psycopg2  # requirements-postgres.txt (dbt-postgres)

    settings = json.loads(the_plan["settings"])
    con = psycopg2.connect(dbname=os.environ.get("PGDATABASE", "retention"))  # the rest from libpq variables
    try:
        with con, con.cursor() as cur:
            summary = read_postgres(cur, the_plan["summary"])
            scores = score_references(
                lambda r: summary.loc[summary["reference"] == r, SUMMARY_COLUMNS].reset_index(drop=True),
                REFERENCES, **scoring_options(settings))
            scores["as_of_date"] = the_plan["as_of_date"]
            scores["fit_settings"] = the_plan["settings"]
            write_postgres(cur, scores, the_plan["output_schema"], the_plan["output_identifier"])
        return len(scores)
    finally:
        con.close()


FIT_ENGINES = ("postgres",)


def run_fit(target: str, vars_yaml: str | None = None, project_dir: Path = PROJECT_ROOT) -> str:
    """Run the fit step for ``target`` and return what it did, in one line."""
    start = time.perf_counter()
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    the_plan = plan(target, vars_yaml, Path(project_dir).resolve(), env)
    if the_plan["type"] not in FIT_ENGINES:
        return f"fit step: nothing to do on {the_plan['type']}"
    rows = fit_postgres(the_plan)
    return (f"fit step: {rows:,} customer rows scored for as_of_date {the_plan['as_of_date']} into "
            f"{the_plan['output']} in {time.perf_counter() - start:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", required=True, help="a profiles.yml target whose engine runs no dbt Python models")
    parser.add_argument("--vars", help="the vars of the build it fits for (YAML or JSON, as dbt's --vars)")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT)
    args = parser.parse_args(argv)
    print(run_fit(args.target, args.vars, args.project_dir))
    return 0


if __name__ == "__main__":  # python -m retention_tools.fit_step
    sys.exit(main())
