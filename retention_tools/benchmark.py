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

--history-runs K1,K2,...: then, for each K, the history tables are made to hold K earlier
daily runs, at as_of_date - 1 .. as_of_date - K (as_of_date: the date of the first build),
copies of the rows that build committed in which no customer changes segment; they are
published (untimed, so their history files exist as after real runs), and the scheduled run
of as_of_date itself (scripts/scheduled_run.py: build, tests, commit and publish), run number
K + 1, is timed, with the seconds of the staged history models, customer_segments, the
history tests and publishing, and the history files that publishing wrote (`history_runs` in
the JSON). Run 366 should cost what run 2 costs.
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

from retention_tools import DBT, PROJECT_ROOT
from retention_tools.project_copy import make_project
from retention_tools.project_vars import value_transaction_types
from retention_tools.publish import default_published, publish

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
# The value-event types are the project's var value_transaction_types.
_VALUE_TYPES = "(" + ", ".join(f"'{name}'" for names in value_transaction_types().values() for name in names) + ")"
_WINDOWS = {
    "lookback": "occurred_at >= as_of_date - 365",
    "last": "occurred_at >= as_of_date - 30",
    "prev": "occurred_at >= as_of_date - 60 and occurred_at < as_of_date - 30",
    "60d": "occurred_at >= as_of_date - 60",
}
_COUNTS = [  # (window, transaction_type or None for any, extra condition)
    ("lookback", None, f"transaction_type in {_VALUE_TYPES}"),
    ("last", None, None),
    ("prev", None, None),
    ("last", "login", None),
    ("prev", "login", None),
    ("last", "transaction", None),
    ("prev", "transaction", None),
    ("60d", "transaction", None),
    ("last", "balance_check", None),
    ("last", "support_contact", None),
    ("prev", "support_contact", None),
    ("last", "call", None),
    ("prev", "call", None),
    ("last", "sms", None),
    ("prev", "sms", None),
    ("last", "roaming", None),
    ("last", "support_contact", "category = 'billing'"),
    ("last", "view", None),
    ("last", "cart", None),
    ("last", "purchase", None),
    ("prev", "purchase", None),
    ("60d", "purchase", None),
    ("60d", "purchase", "discount_amount > 0"),
    ("60d", "return", None),
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
        f"max(case when {_WINDOWS['lookback']} and transaction_type in {_VALUE_TYPES}"
        " then cast(occurred_at as date) end)",
        f"max(case when {_WINDOWS['60d']} and transaction_type = 'bill_payment' then quantity end)",
    ]
    for window, event_type, extra in _COUNTS:
        condition = " and ".join(
            c for c in (_WINDOWS[window], event_type and f"transaction_type = '{event_type}'", extra) if c
        )
        items.append(f"count(case when {condition} then 1 end)")
    for window, condition, measure in _SUMS:
        items.append(
            f"sum(cast(case when {_WINDOWS[window]} and {condition} then coalesce({measure}, 0) end as decimal(38, 6)))"
        )
    for window, days in _DAYS:
        items.append(
            f"bit_count(bitstring_agg(case when {_WINDOWS[window]} then date_diff('day', cast(occurred_at as "
            f"date), as_of_date) - 1 end, 0, {days - 1}))"
        )
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


# The history models and the mart that reads them, timed per scheduled run.
HISTORY_NODES = (
    "history_runs_staged",
    "segment_history_staged",
    "segment_migration_staged",
    "behavior_signal_history_staged",
    "customer_segments",
)

# The K synthetic earlier runs (temp table `days`: k, as_of_date, previous_as_of_date), each a
# copy of the rows committed at the benchmark's date (temp tables run_rows, segment_rows and
# signal_rows) in which no customer changed segment; inserted ordered by date, as daily runs
# would have written them, so that DuckDB's zone maps prune by date.
_SYNTHETIC_HISTORY = {
    "history_runs": """
        select runs.* exclude (as_of_date, previous_as_of_date, written_at, invocation_id),
               days.as_of_date, days.previous_as_of_date,
               runs.written_at - to_days(days.k) as written_at,
               concat(?, days.k) as invocation_id
        from run_rows as runs cross join days
        order by days.as_of_date""",
    "segment_history": """
        select segments.* exclude (as_of_date, previous_segment, previous_as_of_date, segment_changed_on),
               days.as_of_date,
               case when days.previous_as_of_date is not null then segments.segment end as previous_segment,
               days.previous_as_of_date,
               cast(null as date) as segment_changed_on
        from segment_rows as segments cross join days
        order by days.as_of_date""",
    "behavior_signal_history": """
        select signals.* exclude (as_of_date), days.as_of_date
        from signal_rows as signals cross join days
        order by days.as_of_date""",
    # one date's 121 cells per organisation (everyone stays: the diagonal), for every date but the earliest
    "segment_migration": """
        with counts as (
            select organization_id, segment, count(*) as customers from segment_rows group by all
        ),
        cells as (
            select runs.organization_id, from_segments.segment as from_segment, to_segments.segment as to_segment,
                   case when from_segments.segment = to_segments.segment then coalesce(counts.customers, 0)
                        else 0 end as customer_count
            from run_rows as runs
            cross join marts.segment_definitions as from_segments
            cross join marts.segment_definitions as to_segments
            left join counts
                on runs.organization_id = counts.organization_id and from_segments.segment = counts.segment
        )
        select cells.*, days.previous_as_of_date as from_as_of_date, days.as_of_date as to_as_of_date,
               case when cells.customer_count > 0 then 100.0 else 0.0 end as percentage
        from cells cross join days
        where days.previous_as_of_date is not null
        order by days.as_of_date""",
}


def write_synthetic_history(db_path: Path, as_of, runs: int) -> int:
    """Make the history tables hold exactly ``runs`` earlier daily runs, at as_of - 1 ..
    as_of - runs, copied from the rows committed at ``as_of`` (by the first build or the
    previous timed run of the same date and data, so the same rows); return the
    segment_history rows. Invocation ids are unique per ``runs`` and date, so publishing
    writes every date's files again rather than reusing those of another ``runs``."""
    with duckdb.connect(str(db_path)) as con:
        con.execute(
            """create temp table days as
                       select cast(k as integer) as k, cast(? as date) - cast(k as integer) as as_of_date,
                              case when k < ? then cast(? as date) - cast(k as integer) - 1 end as previous_as_of_date
                       from range(1, ? + 1) as earlier(k)""",
            [as_of, runs, as_of, runs],
        )
        for temp, table in (
            ("run_rows", "history_runs"),
            ("segment_rows", "segment_history"),
            ("signal_rows", "behavior_signal_history"),
        ):
            con.execute(f"create temp table {temp} as select * from marts.{table} where as_of_date = ?", [as_of])
        for table, select in _SYNTHETIC_HISTORY.items():
            con.execute(f"delete from marts.{table}")
            con.execute(
                f"insert into marts.{table} by name {select}", [f"benchmark-{runs}-"] if table == "history_runs" else []
            )
        con.execute("checkpoint")
        return con.execute("select count(*) from marts.segment_history").fetchone()[0]


def run_scheduled(project, as_of, runs: int) -> tuple[float, str]:
    """Run scripts/scheduled_run.py for ``as_of`` in the project copy; return its wall seconds and output."""
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "scheduled_run.py"),
            "--project-dir",
            str(project.root),
            "--as-of-date",
            str(as_of),
        ],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
    )
    seconds = round(time.perf_counter() - start, 2)
    if proc.returncode != 0:
        print(proc.stdout[-5000:] + proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"the scheduled run with {runs} runs kept failed (exit {proc.returncode})")
    return seconds, proc.stdout


def history_seconds(results: list[dict]) -> dict:
    """Seconds of each of HISTORY_NODES and, as history_tests, of the tests of the history."""
    nodes = {
        name: round(
            sum(
                r["execution_time"]
                for r in results
                if r["unique_id"].startswith("model.") and r["unique_id"].endswith(f".{name}")
            ),
            2,
        )
        for name in HISTORY_NODES
    }
    tests = sum(
        r["execution_time"]
        for r in results
        if r["unique_id"].startswith("test.") and any(word in r["unique_id"] for word in ("history", "migration"))
    )
    return {**nodes, "history_tests": round(tests, 2)}


def latest_run(db_path: Path):
    """The as_of_date of the latest run the history holds."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute("select max(as_of_date) from marts.history_runs").fetchone()[0]


def time_run_with_history(project, as_of, runs: int) -> dict:
    """Give the history ``runs`` earlier daily runs before ``as_of``, publish them (untimed, so
    their files exist as after real runs) and time the scheduled run of ``as_of``: run number
    ``runs + 1``, models, tests and publishing included."""
    start = time.perf_counter()
    history_rows = write_synthetic_history(project.db_path, as_of, runs)
    published = default_published(project.db_path)
    publish(project.db_path, published)
    prepare_seconds = round(time.perf_counter() - start, 2)
    log(
        f"scheduled run of {as_of} after {runs} run(s) ({history_rows:,} segment_history rows, "
        f"written and published in {prepare_seconds} s)"
    )
    seconds, output = run_scheduled(project, as_of, runs)
    published_line = re.search(r"; published .* in ([0-9.]+) s \(([0-9]+) history date", output)
    row = {
        "runs_kept": runs,
        "history_rows": history_rows,
        "prepare_seconds": prepare_seconds,
        "run_seconds": seconds,
        **history_seconds(project.run_results()),
        "publish_seconds": float(published_line.group(1)) if published_line else None,
        "history_dates_copied": int(published_line.group(2)) if published_line else None,
    }
    log(f"run {runs + 1} (after {runs} run(s)): {seconds} s")
    return row


def print_history_runs(rows: list[dict]) -> None:
    """The table of --history-runs: one line per number of earlier runs, seconds per column."""
    columns = ("run_seconds", *HISTORY_NODES, "history_tests", "publish_seconds", "history_dates_copied")
    print(f"{'runs kept':>9} {'segment_history rows':>20}  " + "  ".join(columns))
    for row in rows:
        print(
            f"{row['runs_kept']:>9} {row['history_rows']:>20,}  "
            + "  ".join(f"{str(row[name]):>{len(name)}}" for name in columns)
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, required=True, help="customers per organisation")
    parser.add_argument("--output", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--history-days", type=int, default=365, help="days of events (default 365)")
    parser.add_argument("--workdir", type=Path, help="where data, project copy and database go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--history-runs",
        type=lambda v: [int(k) for k in v.split(",")],
        default=[],
        help="comma-separated runs kept, e.g. 1,30,365: time the scheduled run after that many earlier runs",
    )
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="use the data already in WORKDIR/raw (from an earlier --keep run) instead of "
        "generating it again; generate_seconds is then null",
    )
    return parser.parse_args(argv)


def generate_data(args: argparse.Namespace, raw_dir: Path) -> float | None:
    """Generate the data into ``raw_dir`` (events and upload.csv) and return the seconds it took,
    or None when --reuse-data finds data already there."""
    if args.reuse_data and (raw_dir / "transactions.parquet").exists():
        log(f"reusing the data in {raw_dir}")
        return None
    log(f"generating {args.customers:,} customers x 3 organisations ({args.history_days} days) into {raw_dir}")
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "generate_synthetic_data.py"),
            "--customers",
            str(args.customers),
            "--seed",
            str(args.seed),
            "--history-days",
            str(args.history_days),
            "--out",
            str(raw_dir),
            "--upload",
            str(raw_dir / "upload.csv"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return round(time.perf_counter() - start, 2)


def count_events(raw_dir: Path) -> int:
    """The events in the raw transactions file."""
    with duckdb.connect() as con:
        return con.execute(f"select count(*) from read_parquet('{raw_dir / 'transactions.parquet'}')").fetchone()[0]


def measure_build(project) -> tuple[float, float]:
    """Run `dbt build` (models and every test) on a fresh database in the project copy; return its
    wall seconds and peak RSS in MB."""
    if project.db_path.exists():
        project.db_path.unlink()
    log("dbt build (models and every test) on a fresh database")
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _MEASURE_CHILD,
            DBT,
            "build",
            "--project-dir",
            str(project.root),
            "--profiles-dir",
            str(project.root),
        ],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
    )
    seconds = round(time.perf_counter() - start, 2)
    if proc.returncode != 0:
        print(proc.stdout[-5000:], file=sys.stderr)
        raise SystemExit(f"dbt build failed (exit {proc.returncode})")
    peak_rss_mb = round(int(proc.stderr.strip().splitlines()[-1]) / 1024, 1)
    log(f"built in {seconds} s, peak RSS {peak_rss_mb} MB")
    return seconds, peak_rss_mb


def machine() -> dict:
    """The machine and versions the benchmark ran on."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "platform": platform.platform(),
    }


def run_benchmark(args: argparse.Namespace, workdir: Path) -> dict:
    """Every measured phase in turn (data, build, floor, then each --history-runs K); return the
    result, its fields in the order the JSON lists them."""
    raw_dir = workdir / "raw"
    result: dict = {"customers_per_organization": args.customers, "customers": 3 * args.customers}
    result["generate_seconds"] = generate_data(args, raw_dir)
    result["events"] = count_events(raw_dir)
    log(f"{result['events']:,} events (generated in {result['generate_seconds']} s)")

    # A fresh copy: with --reuse-data the work directory holds the project an earlier run
    # copied, maybe from another checkout, whose extra files would be built too.
    shutil.rmtree(workdir / "project", ignore_errors=True)
    project = make_project(workdir, raw_dir, upload_csv=raw_dir / "upload.csv")
    result["build_seconds"], result["peak_rss_mb"] = measure_build(project)

    log("floor: one query reading every event once, grouped by customer")
    result["floor_seconds"] = round(measure_floor(raw_dir, None), 2)
    result["build_to_floor"] = round(result["build_seconds"] / result["floor_seconds"], 1)
    results = project.run_results()
    result["slowest_models"] = slowest(results, "model", 8)
    result["slowest_tests"] = slowest(results, "test", 5)
    result["database_mb"] = round(project.db_path.stat().st_size / 2**20, 1)
    result["machine"] = machine()
    as_of = latest_run(project.db_path) if args.history_runs else None
    result["history_runs"] = [time_run_with_history(project, as_of, runs) for runs in args.history_runs]
    return result


def print_result(result: dict) -> None:
    """The closing table: sizes, seconds, the slowest models and the --history-runs table."""
    print()
    print(f"{'customers':<22}{result['customers']:>14,}")
    print(f"{'events':<22}{result['events']:>14,}")
    for key in ("generate_seconds", "build_seconds", "floor_seconds", "build_to_floor", "peak_rss_mb", "database_mb"):
        print(f"{key:<22}{str(result[key]):>14}")
    print("slowest models:")
    for row in result["slowest_models"]:
        print(f"  {row['name']:<50}{row['seconds']:>8} s")
    if result["history_runs"]:
        print_history_runs(result["history_runs"])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark in WORKDIR (else a temp dir, removed after), write the JSON, print the table."""
    args = parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="retention-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        result = run_benchmark(args, workdir)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print_result(result)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":  # python -m retention_tools.benchmark
    sys.exit(main())
