"""One scheduled run: dbt build, then publish the marts for readers (what cron calls).

    python scripts/scheduled_run.py [--as-of-date YYYY-MM-DD] [--full-refresh] [--target duckdb]
                                    [--history-keep-days N] [--no-publish] [--project-dir DIR] [--quiet]

The build writes into the working database (DuckDB: $DBT_DUCKDB_PATH). Only when the whole
build passed, models and tests alike, does it commit its date to the history (dbt's
on-run-end hook, in one transaction) and are the marts published (scripts/publish.py) to the
file readers open; a failed run leaves the last good history and publication in place and
exits non-zero. Without --as-of-date the project's default date is used (the day after the
latest valid event). Re-running a date replaces its history; --history-keep-days N prunes the
runs more than N days before the latest (default: keep every run); --full-refresh starts the
history again. On PostgreSQL the marts are built into `<marts>__next` (var `marts_swap`) and
published by swapping that schema in, in the history's commit transaction: a reader's query
sees the marts and history of one run or of the other (--no-publish builds them in place). On
Spark the marts are built in place (its history's commit is all or nothing by itself).

One run at a time: a run holds an exclusive lock on the project's target directory and on the
working database (`<database>.run.lock`) from before the build until after publishing. A run
started while another holds either exits at once with one line and exit code 75
(EX_TEMPFAIL: try again later), having changed nothing.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import duckdb

from retention_tools import DBT, PROJECT_ROOT
from retention_tools.dbt_target import target_location
from retention_tools.fit_step import AFTER_FIT, FIT_ENGINES, run_fit
from retention_tools.publish import default_published, default_working, publish

ROOT = PROJECT_ROOT
EXIT_BUSY = 75  # EX_TEMPFAIL: another run holds the project or the working database


class RunInProgress(RuntimeError):
    """Another scheduled run holds the lock: this one did nothing."""


@contextmanager
def _exclusive(lock_path: Path, what: str):
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunInProgress(
                f"another scheduled run is using {what} (lock {lock_path}); this run did "
                "nothing: try again when it has finished"
            ) from None
        yield  # the lock goes with the file handle, also when the process is killed


@contextmanager
def exclusive_run(project_dir: Path, working: Path, target_type: str = "duckdb"):
    """Hold the run's locks: the project's target directory (dbt's run results are shared by
    every run of the project) and, on DuckDB, the working database. Raises RunInProgress at
    once when another run holds one."""
    with ExitStack() as stack:
        stack.enter_context(_exclusive(project_dir / "target" / "scheduled_run.lock", f"the project {project_dir}"))
        if target_type == "duckdb":
            stack.enter_context(_exclusive(working.with_name(working.name + ".run.lock"), f"the database {working}"))
        yield


def run(
    as_of_date: str | None = None,
    full_refresh: bool = False,
    target: str | None = None,
    publish_marts: bool = True,
    project_dir: Path = ROOT,
    quiet: bool = False,
    history_keep_days: int | None = None,
) -> dict:
    """Build (and publish); return a summary. Raises RunInProgress (having done nothing) when
    another run holds the project or the database, RuntimeError when the build fails."""
    # The dbt unit tests check the code, not the data: CI runs them (scripts/test.sh), a
    # scheduled run of code that passed them gains nothing from running them again each day.
    cmd = [
        DBT,
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
    ]
    if target:
        cmd += ["--target", target]
    location = target_location(target, project_dir)
    swap = publish_marts and location["type"] == "postgres"
    variables = {"as_of_date": as_of_date, "history_keep_days": history_keep_days, "marts_swap": swap or None}
    variables = {name: value for name, value in variables.items() if value is not None}
    if variables:
        cmd += ["--vars", json.dumps(variables)]
    if full_refresh:
        cmd.append("--full-refresh")
    working = Path(location["path"] or default_working())
    if not working.is_absolute():
        working = project_dir / working
    with exclusive_run(project_dir, working, location["type"]):
        fit_seconds = None
        if location["type"] in FIT_ENGINES:  # no dbt Python models there: the fit runs first
            started = time.time()
            fitted = run_fit(target, json.dumps(variables) if variables else None, project_dir)
            fit_seconds = round(time.time() - started, 1)
            cmd += AFTER_FIT  # the step built the summaries and what they read, with these vars
            if not quiet:
                print(fitted, flush=True)
        result = _build_and_publish(cmd, project_dir, working, location, publish_marts, quiet, as_of_date)
        return {**result, "fit_seconds": fit_seconds}


def _build_and_publish(
    cmd: list[str],
    project_dir: Path,
    working: Path,
    location: dict,
    publish_marts: bool,
    quiet: bool,
    as_of_date: str | None,
) -> dict:
    started = time.time()
    proc = subprocess.run(cmd, cwd=project_dir, capture_output=quiet, text=True)
    seconds = round(time.time() - started, 1)
    if proc.returncode != 0:
        output = f"\n{proc.stdout[-8000:]}" if quiet else ""
        raise RuntimeError(
            f"dbt build failed (exit {proc.returncode}) after {seconds} s; nothing was published "
            f"and the history keeps its last committed state.{output}"
        )
    result = {"as_of_date": as_of_date, "build_seconds": seconds, "published": None}
    if publish_marts and location["type"] == "postgres":
        result["swapped"] = location["marts_schema"]  # in the build's own commit
    if publish_marts and location["type"] == "duckdb":
        published = default_published(working, location["marts_schema"])
        if not published.is_absolute():
            published = project_dir / published
        try:
            result["published"] = publish(working, published, location["marts_schema"])
        except (duckdb.Error, OSError) as error:
            raise RuntimeError(f"the build passed but publishing failed: {error}") from error
    return result


def describe_fit(result: dict) -> str:
    """'fit step in N s, ' when the run had one (PostgreSQL, Spark), else ''."""
    return f"fit step in {result['fit_seconds']} s, " if result.get("fit_seconds") is not None else ""


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options every scheduled run takes (here and in backfill.py)."""
    parser.add_argument(
        "--history-keep-days",
        type=int,
        metavar="N",
        help="prune the history to the runs of the N days before the latest (var history_keep_days)",
    )
    parser.add_argument("--target", help="dbt target (default: the profile's, duckdb)")
    parser.add_argument("--no-publish", action="store_true", help="build only")
    parser.add_argument("--project-dir", type=Path, default=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--as-of-date", help="YYYY-MM-DD (default: the day after the latest valid event)")
    parser.add_argument("--full-refresh", action="store_true", help="rebuild the history tables from this run only")
    add_run_options(parser)
    parser.add_argument("--quiet", action="store_true", help="show dbt's output only when it fails")
    args = parser.parse_args(argv)
    try:
        result = run(
            args.as_of_date,
            args.full_refresh,
            args.target,
            not args.no_publish,
            args.project_dir,
            args.quiet,
            args.history_keep_days,
        )
    except RunInProgress as error:
        print(error, file=sys.stderr)
        return EXIT_BUSY
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    published = result["published"]
    print(
        describe_fit(result)
        + f"built in {result['build_seconds']} s"
        + (
            f"; published as_of_date {published['as_of_date']} to {published['published']} in {published['seconds']} s"
            f" ({published['history_dates_copied']} history date(s) copied)"
            if published
            else (f"; published schema {result['swapped']} by a swap" if result.get("swapped") else "")
        )
    )
    return 0


if __name__ == "__main__":  # python -m retention_tools.scheduled_run
    sys.exit(main())
