"""A BI-like reader for test_history_and_publishing: until STOP_FILE exists, open the published
DuckDB file read-only, read the current-run marts one by one (pausing in between, so a publish
can happen while the connection is open), then its history tables, and
print one JSON line per pass: the as_of_dates seen, whether the history's rows per date are
those its run log counts, or the error. Usage: python publish_reader.py PUBLISHED STOP_FILE"""

import json
import sys
import time
from pathlib import Path

import duckdb

MARTS = ["customer_segments", "segment_distribution", "behavior_analysis", "behavior_insights", "published_run"]

published, stop = Path(sys.argv[1]), Path(sys.argv[2])
while not stop.exists():
    try:
        with duckdb.connect(str(published), read_only=True) as con:
            dates = {}
            for mart in MARTS:
                rows = con.execute(f"select distinct cast(as_of_date as varchar) from marts.{mart}").fetchall()
                dates[mart] = sorted(r[0] for r in rows)
                time.sleep(0.05)
            customers = con.execute("select count(*) from marts.customer_segments").fetchone()[0]
            history = con.execute("""
                select count(*) = 0 from (
                    select organization_id, as_of_date, segmented_customers as n from marts.history_runs
                    except
                    select organization_id, as_of_date, count(*) from marts.segment_history group by all
                )""").fetchone()[0]
        print(json.dumps({"dates": dates, "customers": customers, "history_consistent": history}), flush=True)
    except Exception as error:  # noqa: BLE001 - every failure is the finding
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
    time.sleep(0.02)
