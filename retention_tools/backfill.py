"""Run the scheduled build for a range of as_of_dates, oldest first, to fill the history.

    python scripts/backfill.py --start YYYY-MM-DD --end YYYY-MM-DD [--every 30d]
                               [--full-refresh] [--target duckdb] [--no-publish]
                               [--project-dir DIR] [--verbose]

The dates are start, start + every, ... up to and including end (a date past end is not
run); --every takes days (30d), weeks (4w) or calendar months (1m, the same day of the
month, or its last day). Each date is one scheduled run (scripts/scheduled_run.py): a full
dbt build with var as_of_date, then publishing. A date that ran before is replaced, so a
backfill can be repeated or resumed. --full-refresh applies to the first date only: the
history then holds exactly the dates of this backfill. It stops at the first failed build.
"""

from __future__ import annotations

import argparse
import calendar
import re
import sys
import time
from datetime import date, timedelta

from retention_tools.scheduled_run import EXIT_BUSY, RunInProgress, add_run_options, describe_fit, run


def parse_every(text: str) -> tuple[int, str]:
    match = re.fullmatch(r"\s*(\d+)\s*([dwm])\s*", text.lower())
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"--every {text!r}: expected a positive count of d, w or m, e.g. 30d")
    return int(match.group(1)), match.group(2)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def as_of_dates(start: date, end: date, every: tuple[int, str]) -> list[date]:
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    count, unit = every
    dates, step = [], 0
    while True:
        day = (
            add_months(start, step * count)
            if unit == "m"
            else start + timedelta(days=step * count * (7 if unit == "w" else 1))
        )
        if day > end:
            return dates
        dates.append(day)
        step += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", type=date.fromisoformat, required=True, help="first as_of_date")
    parser.add_argument(
        "--end", type=date.fromisoformat, required=True, help="last as_of_date (included when on the step)"
    )
    parser.add_argument(
        "--every", type=parse_every, default=parse_every("30d"), help="step: Nd, Nw or Nm (default 30d)"
    )
    parser.add_argument("--full-refresh", action="store_true", help="start the history again at the first date")
    add_run_options(parser)
    parser.add_argument("--verbose", action="store_true", help="show dbt's output for every run")
    args = parser.parse_args(argv)
    try:
        dates = as_of_dates(args.start, args.end, args.every)
    except ValueError as error:
        parser.error(str(error))
    started = time.perf_counter()
    print(f"backfill: {len(dates)} run(s): {', '.join(map(str, dates))}", flush=True)
    for number, day in enumerate(dates, 1):
        print(f"[{number}/{len(dates)}] as_of_date {day}: building ...", flush=True)
        try:
            result = run(
                day.isoformat(),
                args.full_refresh and number == 1,
                args.target,
                not args.no_publish,
                args.project_dir,
                quiet=not args.verbose,
                history_keep_days=args.history_keep_days,
            )
        except RunInProgress as error:
            print(f"[{number}/{len(dates)}] as_of_date {day}: not run, stopping: {error}", file=sys.stderr, flush=True)
            return EXIT_BUSY
        except RuntimeError as error:
            print(f"[{number}/{len(dates)}] as_of_date {day}: FAILED, stopping. {error}", file=sys.stderr, flush=True)
            return 1
        published = " and published" if result["published"] else ""
        print(
            f"[{number}/{len(dates)}] as_of_date {day}: {describe_fit(result)}built{published} "
            f"in {result['build_seconds']} s",
            flush=True,
        )
    print(f"backfill: {len(dates)} run(s) done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":  # python -m retention_tools.backfill
    sys.exit(main())
