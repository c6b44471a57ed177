#!/usr/bin/env python
"""Benchmark the CLV stage (spec section 9) on simulated customers, through dbt.

    python scripts/benchmark_clv.py [--customers 1000000] --output FILE.json [--seed S]
                                    [--workdir DIR] [--keep]

Simulates customers from known BG/NBD + Gamma-Gamma parameters (two years, about 10 purchases
per customer: r = 1.0, alpha = 20 days, a = 0.5, b = 6; CDNOW's p, q, v),
writes them as one ecommerce organisation's raw files (one purchase event per purchase day),
and runs the CLV models with dbt on a fresh DuckDB file: the per-customer summary in SQL
(int_customers_purchase_summarised), the fits and scoring (int_customers_clv_scored, a dbt
Python model), and the two marts. Reports each model's seconds from target/run_results.json,
plus the BG/NBD fit, Gamma-Gamma fit and scoring timed on their own on the same summary.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from project_copy import PROJECT_ROOT, make_project  # noqa: E402

sys.path.insert(0, str(PROJECT_ROOT))
import retention_clv as clv  # noqa: E402

ORG = "c1000000-0000-4000-8000-000000000001"
OBSERVATION_END = "2026-10-31"
# About 10 purchases per customer over two years (CDNOW's own parameters give about 2.4).
SIMULATION = {"r": 1.0, "alpha": 20.0, "a": 0.5, "b": 6.0, "p": 6.25, "q": 3.74, "v": 15.44, "days": 730}
CLV_MODELS = ["int_customers_purchase_summarised", "int_customers_clv_scored",
              "customer_lifetime_value", "clv_model_params"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, round(time.perf_counter() - start, 2)


def write_raw(daily: pd.DataFrame, raw: Path) -> int:
    raw.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([{"organization_id": ORG, "name": "Simulated shop", "org_type": "ecommerce"}]).to_parquet(
        raw / "organizations.parquet")
    ids = "C" + daily["customer_id"].drop_duplicates().astype(str)
    pd.DataFrame({"customer_id": ids, "organization_id": ORG, "external_id": ids}).to_parquet(
        raw / "customers.parquet")
    with duckdb.connect() as con:
        con.register("daily", daily)
        con.execute(f"""
            copy (
                select 'T' || row_number() over () as transaction_id,
                       'C' || cast(customer_id as varchar) as customer_id,
                       cast(date as timestamp) + interval 12 hour as occurred_at,
                       'purchase' as transaction_type,
                       round(amount, 2) as amount,
                       1.0 as quantity, 'music' as category, cast(null as double) as discount_amount
                from daily
            ) to '{raw / "transactions.parquet"}' (format parquet)
        """)
    return len(daily)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="retention-clv-bench-"))
    result: dict = {"customers": args.customers}
    try:
        log(f"simulating {args.customers:,} customers ({SIMULATION})")
        result["simulation"] = SIMULATION
        (summary, daily), result["simulate_seconds"] = timed(
            clv.simulate, args.customers, seed=args.seed, observation_end=OBSERVATION_END,
            return_daily=True, **SIMULATION)
        result["purchases"] = int(summary.attrs["n_purchases"])
        result["purchase_days"] = write_raw(daily, workdir / "raw")
        log(f"{result['purchases']:,} purchases on {result['purchase_days']:,} customer-days")

        project = make_project(workdir, workdir / "raw", upload_csv="customer_id,churn_score\n")
        as_of = str((pd.Timestamp(OBSERVATION_END) + pd.Timedelta(days=1)).date())
        log("dbt run of the CLV models and what they need")
        _, result["dbt_run_seconds"] = timed(
            project.run, "run", "--select", "+customer_lifetime_value", "+clv_model_params",
            vars={"as_of_date": as_of, "churn_upload_organization_id": ORG})
        seconds = {r["unique_id"].split(".")[-1]: round(r["execution_time"], 2) for r in project.run_results()}
        result["models"] = {name: seconds.get(name) for name in CLV_MODELS}
        result["clv_stage_seconds"] = round(sum(v for v in result["models"].values() if v), 2)
        result["fit"] = project.query("select * from marts.clv_model_params")[0]

        log("fits and scoring timed on their own")
        with duckdb.connect(str(project.db_path), read_only=True) as con:
            s = con.execute("select * from intermediate.int_customers_purchase_summarised").df()
        x, t_x, T, m = (s[c].to_numpy(dtype=float) for c in ("x", "t_x", "T", "m"))
        bg, result["bgnbd_fit_seconds"] = timed(clv.fit_bgnbd, x, t_x, T)
        result["distinct_triples"] = int(bg.n_unique)
        gg, result["gamma_gamma_fit_seconds"] = timed(clv.fit_gamma_gamma, x, m)
        _, result["score_organisations_seconds"] = timed(clv.score_organisations, s)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print()
    for key in ("customers", "purchases", "distinct_triples", "bgnbd_fit_seconds", "gamma_gamma_fit_seconds",
                "score_organisations_seconds", "clv_stage_seconds"):
        print(f"{key:<30}{result[key]:>14}")
    for name, sec in result["models"].items():
        print(f"  {name:<40}{sec:>8} s")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
