"""A BI-like PostgreSQL reader for test_postgres_publish: until STOP_FILE exists, run one query
over the current-run marts and the history, in a loop, and print one JSON line per query: the
as_of_dates each relation holds (the history: its latest run's) and how many customers, or the
error. Connection from the libpq variables (PGHOST, PGPORT, ...).
Usage: python pg_reader.py STOP_FILE"""

import json
import sys
import time
from pathlib import Path

import psycopg2

QUERY = """
select
    (select string_agg(distinct cast(as_of_date as text), ',') from marts.customer_segments),
    (select string_agg(distinct cast(as_of_date as text), ',') from marts.segment_distribution),
    (select string_agg(distinct cast(as_of_date as text), ',') from marts.behavior_insights),
    (select cast(max(as_of_date) as text) from marts.history_runs),
    (select cast(max(as_of_date) as text) from marts.segment_history),
    (select count(*) from marts.customer_segments)
"""
NAMES = ["customer_segments", "segment_distribution", "behavior_insights", "history_runs", "segment_history"]

stop = Path(sys.argv[1])
connection = psycopg2.connect("")
connection.autocommit = True  # each query its own statement snapshot, as a dashboard's
while not stop.exists():
    try:
        with connection.cursor() as cursor:
            cursor.execute(QUERY)
            row = cursor.fetchone()
        print(json.dumps({"dates": dict(zip(NAMES, row[:5])), "customers": row[5]}), flush=True)
    except psycopg2.Error as error:
        print(json.dumps({"error": f"{type(error).__name__}: {error}".strip()}), flush=True)
    time.sleep(0.01)
connection.close()
