"""Benchmark the prediction stage (rules section 9) on simulated customers, through dbt.

    python scripts/benchmark_clv.py [--customers 1000000] --output FILE.json [--seed S]
                                    [--contractual-share 0.3] [--workdir DIR] [--keep]
                                    [--target postgres|spark]

Simulates one telecom organisation over two years: a share of contractual customers
(--contractual-share, default 0.3) who pay a monthly bill until they churn (each renews with
its own probability, theta ~ Beta(0.704, 1.182): Fader & Hardie's "regular" cohort), and
prepaid customers whose top-up days follow MBG/NBD + Gamma-Gamma (about 10 purchases each:
r = 1.0, alpha = 20 days, a = 0.5, b = 6; CDNOW's p, q, v). Writes them as raw files and runs
the prediction stage with dbt on a fresh DuckDB file: the purchase summaries at as_of_date and
at the backtest's calibration_date (int_customers_purchases_summarized), both settings' fits
and scoring at both dates (int_customers_clv_scored, a dbt Python model: every variant of each
model fitted and the lowest AIC published), the backtest scores and the marts. Reports each
model's seconds from target/run_results.json and their sum (`prediction_stage_seconds`), plus
the fits (the full MBG/NBD alone, and its three variants) and one scoring call timed on their
own.

With --target (a profiles.yml target on PostgreSQL or Spark) the raw files are loaded there
(PostgreSQL: into a database of its own, retention_clv_bench, on the server of the PG*
variables; Spark: the local session of the project copy), the fit step runs first
(`fit_step_seconds`, of which `fit_seconds` fitting, scoring and writing) and the dbt run reads
its scores; the fits on their own are DuckDB's only (the same package everywhere).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

import retention_clv as clv
from retention_tools.fit_step import run_fit
from retention_tools.project_copy import make_project

BENCH_DATABASE = "retention_clv_bench"

ORG = "c1000000-0000-4000-8000-000000000001"
OBSERVATION_END = "2026-10-31"
DAYS = 730
# About 10 purchases per customer over two years (CDNOW's own parameters give about 2.4).
SIMULATION = {"r": 1.0, "alpha": 20.0, "a": 0.5, "b": 6.0, "p": 6.25, "q": 3.74, "v": 15.44, "days": DAYS}
CONTRACTS = {"alpha": 0.704, "beta": 1.182, "period_days": 30, "price": 25.0}
# The prediction stage: everything that only the predictions need.
STAGE_MODELS = [
    "int_customers_purchases_summarized",
    "int_customers_clv_scored",
    "customer_lifetime_value",
    "clv_model_params",
    "int_customers_churn_backtested",
    "churn_backtest",
    "churn_calibration",
    "clv_backtest",
]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, round(time.perf_counter() - start, 2)


def simulate_bills(n: int, seed: int) -> pd.DataFrame:
    """Monthly bills of ``n`` contractual customers: each starts on a uniform day of the two
    years and pays every 30 days until it leaves (geometric lifetime, theta ~ Beta) or the
    observation ends. Returns (customer_id, date, amount) rows."""
    rng = np.random.default_rng(seed + 1)
    end = pd.Timestamp(OBSERVATION_END)
    start_ago = rng.integers(0, DAYS, n)
    possible = start_ago // CONTRACTS["period_days"] + 1
    theta = rng.beta(CONTRACTS["alpha"], CONTRACTS["beta"], n)
    bills = np.minimum(rng.geometric(np.clip(theta, 1e-300, 1.0)), possible)
    customer = np.repeat(np.arange(n), bills)
    j = np.arange(len(customer)) - np.repeat(np.cumsum(bills) - bills, bills)
    days_ago = start_ago[customer] - CONTRACTS["period_days"] * j
    price = np.round(rng.gamma(4.0, CONTRACTS["price"] / 4.0, n), 2)
    return pd.DataFrame(
        {"customer_id": customer, "date": end - pd.to_timedelta(days_ago, unit="D"), "amount": price[customer]}
    )


def write_raw(topups: pd.DataFrame, bills: pd.DataFrame, raw: Path) -> int:
    raw.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([{"organization_id": ORG, "name": "Simulated telecom", "org_type": "telecom"}]).to_parquet(
        raw / "organizations.parquet"
    )
    ids = pd.concat(
        [
            "P" + topups["customer_id"].drop_duplicates().astype(str),
            "B" + bills["customer_id"].drop_duplicates().astype(str),
        ]
    )
    pd.DataFrame({"customer_id": ids, "organization_id": ORG, "external_id": ids}).to_parquet(raw / "customers.parquet")
    with duckdb.connect() as con:
        con.register("topups", topups)
        con.register("bills", bills)
        con.execute(f"""
            copy (
                select 'T' || row_number() over () as transaction_id, *
                from (
                    select 'P' || cast(customer_id as varchar) as customer_id,
                           cast(date as timestamp) + interval 12 hour as occurred_at,
                           'topup' as transaction_type, round(amount, 2) as amount,
                           cast(null as double) as quantity
                    from topups
                    union all
                    select 'B' || cast(customer_id as varchar), cast(date as timestamp) + interval 9 hour,
                           'bill_payment', amount, 0.0
                    from bills
                )
            ) to '{raw / "transactions.parquet"}' (format parquet)
        """)
    return len(topups) + len(bills)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--contractual-share", type=float, default=0.3)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--target", help="a PostgreSQL or Spark target of profiles.yml (default: DuckDB)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="retention-clv-bench-"))
    n_contract = int(round(args.customers * args.contractual_share))
    n_prepaid = args.customers - n_contract
    result: dict = {
        "customers": args.customers,
        "contractual_customers": n_contract,
        "simulation": SIMULATION,
        "contracts": CONTRACTS,
    }
    try:
        log(f"simulating {n_prepaid:,} prepaid and {n_contract:,} contractual customers")
        (summary, topups), result["simulate_seconds"] = timed(
            clv.simulate,
            n_prepaid,
            seed=args.seed,
            observation_end=OBSERVATION_END,
            return_daily=True,
            modified=True,
            **SIMULATION,
        )
        bills = simulate_bills(n_contract, args.seed)
        result["purchases"] = int(summary.attrs["n_purchases"]) + len(bills)
        result["value_event_days"] = write_raw(topups, bills, workdir / "raw")
        log(f"{result['purchases']:,} value events on {result['value_event_days']:,} customer-days")

        project = make_project(workdir, workdir / "raw", upload_csv="customer_id,churn_score\n")
        as_of = str((pd.Timestamp(OBSERVATION_END) + pd.Timedelta(days=1)).date())
        variables = {"as_of_date": as_of, "churn_upload_organization_id": ORG}
        target = ["--target", args.target] if args.target else []
        if args.target:
            result["target"] = args.target
            prepare_target(project, args.target, workdir / "raw")
            log(f"fit step on target {args.target}")
            line, result["fit_step_seconds"] = timed(run_fit, args.target, json.dumps(variables), project.root)
            log(line)
            result["fit_seconds"] = float(line.rsplit("fit and write ", 1)[1].split(" s")[0])
        log("dbt run of the prediction stage and what it needs")
        _, result["dbt_run_seconds"] = timed(
            project.run, "run", *target, "--select", *[f"+{m}" for m in STAGE_MODELS], vars=variables
        )
        seconds = {r["unique_id"].split(".")[-1]: round(r["execution_time"], 2) for r in project.run_results()}
        result["models"] = {name: seconds.get(name) for name in STAGE_MODELS}
        result["prediction_stage_seconds"] = round(sum(v for v in result["models"].values() if v), 2)
        result["fits"] = project.show("select * from {{ ref('clv_model_params') }} order by model", args.target)
        result["backtest"] = project.show("select * from {{ ref('churn_backtest') }} order by source", args.target)
        if args.target:
            return finish(result, args)

        log("fits and scoring timed on their own")
        with duckdb.connect(str(project.db_path), read_only=True) as con:
            s = con.execute(
                "select * from intermediate.int_customers_purchases_summarized where reference = 'as_of'"
            ).df()
        nc = s[s["setting"] == "noncontractual"]
        x, t_x, T, m = (nc[c].to_numpy(dtype=float) for c in ("x", "t_x", "T", "m"))
        fit, result["mbgnbd_fit_seconds"] = timed(clv.fit_mbgnbd, x, t_x, T)
        result["distinct_triples"] = int(fit.n_unique)
        _, result["mbgnbd_variants_fit_seconds"] = timed(clv.bgnbd.fit_variants, x, t_x, T, modified=True)
        _, result["gamma_gamma_fit_seconds"] = timed(clv.fit_gamma_gamma, x, m)
        _, result["score_organizations_seconds"] = timed(clv.score_organizations, s)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return finish(result, args)


def prepare_target(project, target: str, raw: Path) -> None:
    """Point the project copy at the target (PostgreSQL: a fresh database of its own) and load
    the raw files there."""
    import os

    from retention_tools.dbt_target import target_location

    engine = target_location(target, project.root)["type"]
    if engine == "postgres":
        import psycopg2

        admin = psycopg2.connect(dbname="postgres")  # the server of the PG* variables
        admin.autocommit = True
        admin.cursor().execute(f"drop database if exists {BENCH_DATABASE}")
        admin.cursor().execute(f"create database {BENCH_DATABASE}")
        admin.close()
        project.extra_env["PGDATABASE"] = BENCH_DATABASE
    os.environ.update(project.env())  # the fit step's child process reads the same
    log(f"loading the raw files into {target} ({engine})")
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "retention_tools.load_raw",
            "--target",
            engine,
            "--dbt-target",
            target,
            "--raw-dir",
            str(raw),
            "--project-dir",
            str(project.root),
        ],
        env=project.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-3000:] + proc.stderr[-3000:])
    log(f"loaded in {time.perf_counter() - start:.1f} s")


def finish(result: dict, args) -> int:
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print()
    for key in (
        "customers",
        "contractual_customers",
        "purchases",
        "distinct_triples",
        "mbgnbd_fit_seconds",
        "mbgnbd_variants_fit_seconds",
        "gamma_gamma_fit_seconds",
        "score_organizations_seconds",
        "fit_step_seconds",
        "fit_seconds",
        "prediction_stage_seconds",
    ):
        if key in result:
            print(f"{key:<30}{result[key]:>14}")
    for name, sec in result["models"].items():
        print(f"  {name:<40}{sec:>8} s")
    for fit in result["fits"]:
        print(
            f"  fit {fit['model']}: converged={fit['converged']} variant={fit['variant']} "
            f"customers={fit['customers_fitted']}"
        )
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":  # python -m retention_tools.benchmark_clv
    sys.exit(main())
