"""The project's Python tools: what the commands in scripts/ run (each scripts/<name>.py calls
retention_tools.<name>.main), and what the tests and benchmarks share.

- generator/: the synthetic demo data (personas, events, bad rows, writers, the CLI)
- project_vars: the facts dbt_project.yml holds that Python needs too (raw table columns,
  transaction types)
- dbt_target, project_copy: where a dbt target writes; a throw-away copy of the project
- scheduled_run, backfill, publish: scheduled runs and the published marts
- marts_queries, summary, report: reading the marts; the printed summary; the dashboard
- raw_files: the raw files read into DuckDB (raw tables and load_errors); duckdb_plugin: the
  dbt-duckdb plugin (profiles.yml) that runs it at the start of a DuckDB build
- load_raw: raw files into PostgreSQL or Spark
- benchmark, benchmark_clv: measurements
"""

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The dbt executable of the running interpreter's environment.
DBT = str(Path(sys.executable).with_name("dbt"))
