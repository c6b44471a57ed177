#!/usr/bin/env bash
# The main job on the embedded DuckDB default: demo data -> dbt build -> summary.
# Extra arguments go to the generator (e.g. --customers 2000 --bad).
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
start=$SECONDS
echo "==> generating demo data into ${RAW_DATA_DIR:-data/raw}"
python scripts/generate_synthetic_data.py --out "${RAW_DATA_DIR:-data/raw}" "$@"
echo "==> dbt build (DuckDB: ${DBT_DUCKDB_PATH:-data/retention.duckdb})"
rm -f "${DBT_DUCKDB_PATH:-data/retention.duckdb}"
dbt build
echo "==> summary"
python scripts/summary.py
echo "==> dashboard"
python scripts/report.py
echo "==> demo finished in $((SECONDS - start)) s"
