#!/usr/bin/env python
"""Benchmark the whole project on generated data of a given size.

    python scripts/benchmark.py --customers N --output FILE.json [--seed S] [--history-days D]
                                [--workdir DIR] [--keep] [--reuse-data] [--history-runs 1,30,365]

Generates N customers per organisation (three organisations, about 100 events per customer
and year with the default 365 days of history), runs `dbt build` (models and every test) on a
fresh DuckDB file in a copy of the project, and writes JSON with: customers, events,
generate_seconds, build_seconds, peak_rss_mb (of the build), floor_seconds (one DuckDB query
over the same files that reads all events once and groups them by customer with the
conditional aggregates the project needs: the floor no build can beat), build_to_floor, the
slowest models and tests (from target/run_results.json), and the machine. Prints progress and
a table as it goes.

--history-runs K1,K2,...: then, for each K, the history tables are given K - 1 earlier daily
runs (copies of this run's rows at as_of_date - 1 .. K - 1 days) and the latest date is run
again as a scheduled run (scripts/scheduled_run.py: build, tests and publish), timed, with the
seconds of the history models and tests and of publishing: what run number K costs
(`history_runs` in the JSON).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from project_copy import DBT, PROJECT_ROOT, make_project  # noqa: E402

# Run dbt in a child of a small wrapper, so that the peak RSS reported is the build's alone.
_MEASURE_CHILD = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""

# The floor: one query over the raw file that reads every event once and groups it by
# customer with the conditional aggregates of int_customer_events_aggregated (RFM over the
# lookback, the two 30-day windows, the industry metrics), computed the way the project
# computes them (exact decimal sums, distinct days as day bitmaps). It skips what the floor
# cannot do in one pass (validation, duplicate ids, per-category counts, per-day purchase
# sums, writing tables, tests). The result is stored in a temporary table: a bare count(*)
# over it would let DuckDB drop every aggregate whose value is not used.
_VALUE_TYPES = "('transaction', 'bill_payment', 'topup', 'purchase')"
_WINDOWS = {
    "lookback": "occurred_at >= as_of_date - 365",
    "last": "occurred_at >= as_of_date - 30",
    "prev": "occurred_at >= as_of_date - 60 and occurred_at < as_of_date - 30",
    "60d": "occurred_at >= as_of_date - 60",
}
_COUNTS = [  # (window, transaction_type or None for any, extra condition)
    ("lookback", None, f"transaction_type in {_VALUE_TYPES}"),
    ("last", None, None), ("prev", None, None),
    ("last", "login", None), ("prev", "login", None),
    ("last", "transaction", None), ("prev", "transaction", None), ("60d", "transaction", None),
    ("last", "balance_check", None),
    ("last", "support_contact", None), ("prev", "support_contact", None),
    ("last", "call", None), ("prev", "call", None), ("last", "sms", None), ("prev", "sms", None),
    ("last", "roaming", None), ("last", "support_contact", "category = 'billing'"),
    ("last", "view", None), ("last", "cart", None),
    ("last", "purchase", None), ("prev", "purchase", None), ("60d", "purchase", None),
    ("60d", "purchase", "discount_amount > 0"), ("60d", "return", None),
]
_SUMS = [  # (window, condition, measure)
    ("lookback", f"transaction_type in {_VALUE_TYPES}", "amount"),
    ("last", f"transaction_type in {_VALUE_TYPES}", "amount"),
    ("prev", f"transaction_type in {_VALUE_TYPES}", "amount"),
    ("last", "transaction_type = 'data_usage'", "quantity"),
    ("prev", "transaction_type = 'data_usage'", "quantity"),
    ("last", "transaction_type = 'purchase'", "amount"),
    ("prev", "transaction_type = 'purchase'", "amount"),
]
_DAYS = [("lookback", 365), ("last", 30), ("prev", 60)]


def _floor_sql(transactions: Path) -> str:
    items = [
        "min(cast(occurred_at as date))",
        f"max(case when {_WINDOWS['lookback']} and transaction_type in {_VALUE_TYPES} then cast(occurred_at as date) end)",
        f"max(case when {_WINDOWS['60d']} and transaction_type = 'bill_payment' then quantity end)",
    ]
    for window, event_type, extra in _COUNTS:
        condition = " and ".join(c for c in (_WINDOWS[window], event_type and f"transaction_type = '{event_type}'", extra) if c)
        items.append(f"count(case when {condition} then 1 end)")
    for window, condition, measure in _SUMS:
        items.append(f"sum(cast(case when {_WINDOWS[window]} and {condition} then coalesce({measure}, 0) end as decimal(38, 6)))")
    for window, days in _DAYS:
        items.append(f"bit_count(bitstring_agg(case when {_WINDOWS[window]} then date_diff('day', cast(occurred_at as date), as_of_date) - 1 end, 0, {days - 1}))")
    columns = ",\n        ".join(f"{item} as a{n}" for n, item in enumerate(items))
    return f"""
create temp table floor_result as
with as_of as (
    select cast(max(occurred_at) as date) + 1 as as_of_date from read_parquet('{transactions}')
)
select
        customer_id,
        {columns}
from read_parquet('{transactions}'), as_of
where occurred_at < as_of_date
group by customer_id
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def measure_floor(raw_dir: Path, threads: int | None) -> float:
    with duckdb.connect() as con:
        if threads:
            con.execute(f"set threads = {threads}")
        start = time.perf_counter()
        con.execute(_floor_sql(raw_dir / "transactions.parquet"))
        return time.perf_counter() - start


def slowest(results: list[dict], kind: str, n: int) -> list[dict]:
    rows = [r for r in results if r["unique_id"].split(".")[0] == kind]
    rows.sort(key=lambda r: r["execution_time"], reverse=True)
    return [{"name": r["unique_id"].split(".", 2)[-1], "seconds": round(r["execution_time"], 2)} for r in rows[:n]]


HISTORY_TABLES = ("segment_history", "behavior_signal_history")
HISTORY_NODES = ("segment_history", "behavior_signal_history", "customer_segments", "segment_migration")


def time_run_with_history(project, runs: int) -> dict:
    """Give the history ``runs - 1`` earlier daily runs (copies of the latest date's rows, one
    day apart, going back) and time one scheduled run of the latest date again."""
    with duckdb.connect(str(project.db_path)) as con:
        as_of = con.execute("select max(as_of_date) from marts.segment_history").fetchone()[0]
        for table in HISTORY_TABLES:
            con.execute(f"delete from marts.{table} where as_of_date <> ?", [as_of])
            columns = [r[0] for r in con.execute(f"describe marts.{table}").fetchall()]
            select = ", ".join(f"cast(? as date) - cast(k as integer) as as_of_date" if c == "as_of_date" else c
                               for c in columns)
            con.execute(f"""insert into marts.{table} ({", ".join(columns)})
                            select {select} from marts.{table}, range(1, ?) as earlier(k)
                            where as_of_date = ?""", [as_of, runs, as_of])
    log(f"scheduled run of {as_of} with {runs} run(s) in the history")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "scheduled_run.py"),
                           "--project-dir", str(project.root), "--as-of-date", str(as_of)],
                          cwd=project.root, env=project.env(), capture_output=True, text=True)
    seconds = round(time.perf_counter() - start, 2)
    if proc.returncode != 0:
        print(proc.stdout[-5000:] + proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"the scheduled run with {runs} runs kept failed (exit {proc.returncode})")
    published = re.search(r"; published .* in ([0-9.]+) s", proc.stdout)
    results = project.run_results()
    nodes = {name: round(sum(r["execution_time"] for r in results
                             if r["unique_id"].startswith("model.") and r["unique_id"].endswith("." + name)), 2)
             for name in HISTORY_NODES}
    history_tests = round(sum(r["execution_time"] for r in results if r["unique_id"].startswith("test.")
                              and any(t in r["unique_id"] for t in ("history", "migration"))), 2)
    row = {"runs_kept": runs, "run_seconds": seconds, **nodes, "history_tests": history_tests,
           "publish_seconds": float(published.group(1)) if published else None}
    log(f"run with {runs} run(s) kept: {seconds} s")
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, required=True, help="customers per organisation")
    parser.add_argument("--output", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--history-days", type=int, default=365, help="days of events (default 365)")
    parser.add_argument("--workdir", type=Path, help="where data, project copy and database go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--history-runs", type=lambda v: [int(k) for k in v.split(",")], default=[],
                        help="comma-separated runs kept, e.g. 1,30,365: time a scheduled run with that many")
    parser.add_argument("--reuse-data", action="store_true",
                        help="use the data already in WORKDIR/raw (from an earlier --keep run) instead of "
                             "generating it again; generate_seconds is then null")
    args = parser.parse_args(argv)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="retention-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    raw_dir = workdir / "raw"
    result: dict = {"customers_per_organisation": args.customers, "customers": 3 * args.customers}
    try:
        if args.reuse_data and (raw_dir / "transactions.parquet").exists():
            log(f"reusing the data in {raw_dir}")
            result["generate_seconds"] = None
        else:
            log(f"generating {args.customers:,} customers x 3 organisations ({args.history_days} days) into {raw_dir}")
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, str(PROJECT_ROOT / "scripts" / "generate_synthetic_data.py"),
                 "--customers", str(args.customers), "--seed", str(args.seed),
                 "--history-days", str(args.history_days),
                 "--out", str(raw_dir), "--upload", str(raw_dir / "upload.csv")],
                check=True, stdout=subprocess.DEVNULL,
            )
            result["generate_seconds"] = round(time.perf_counter() - start, 2)
        with duckdb.connect() as con:
            result["events"] = con.execute(
                f"select count(*) from read_parquet('{raw_dir / 'transactions.parquet'}')").fetchone()[0]
        log(f"{result['events']:,} events (generated in {result['generate_seconds']} s)")

        project = make_project(workdir, raw_dir, upload_csv=raw_dir / "upload.csv")
        if project.db_path.exists():
            project.db_path.unlink()
        log("dbt build (models and every test) on a fresh database")
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", _MEASURE_CHILD, DBT, "build",
             "--project-dir", str(project.root), "--profiles-dir", str(project.root)],
            cwd=project.root, env=project.env(), capture_output=True, text=True,
        )
        result["build_seconds"] = round(time.perf_counter() - start, 2)
        if proc.returncode != 0:
            print(proc.stdout[-5000:], file=sys.stderr)
            raise SystemExit(f"dbt build failed (exit {proc.returncode})")
        result["peak_rss_mb"] = round(int(proc.stderr.strip().splitlines()[-1]) / 1024, 1)
        log(f"built in {result['build_seconds']} s, peak RSS {result['peak_rss_mb']} MB")

        log("floor: one query reading every event once, grouped by customer")
        result["floor_seconds"] = round(measure_floor(raw_dir, None), 2)
        result["build_to_floor"] = round(result["build_seconds"] / result["floor_seconds"], 1)
        results = project.run_results()
        result["slowest_models"] = slowest(results, "model", 8)
        result["slowest_tests"] = slowest(results, "test", 5)
        result["database_mb"] = round(project.db_path.stat().st_size / 2**20, 1)
        result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "duckdb": duckdb.__version__, "platform": platform.platform()}
        result["history_runs"] = [time_run_with_history(project, runs) for runs in args.history_runs]
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print()
    print(f"{'customers':<22}{result['customers']:>14,}")
    print(f"{'events':<22}{result['events']:>14,}")
    for key in ("generate_seconds", "build_seconds", "floor_seconds", "build_to_floor", "peak_rss_mb", "database_mb"):
        print(f"{key:<22}{str(result[key]):>14}")
    print("slowest models:")
    for row in result["slowest_models"]:
        print(f"  {row['name']:<50}{row['seconds']:>8} s")
    if result["history_runs"]:
        print("runs kept   run (s)   " + "   ".join(HISTORY_NODES) + "   history tests   publish")
        for row in result["history_runs"]:
            print(f"{row['runs_kept']:>9} {row['run_seconds']:>9}   "
                  + "   ".join(f"{row[n]:>{len(n)}}" for n in HISTORY_NODES)
                  + f"   {row['history_tests']:>13}   {row['publish_seconds']}")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
