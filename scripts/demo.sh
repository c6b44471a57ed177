#!/usr/bin/env bash
# The main job on the embedded DuckDB default: demo data -> three monthly scheduled runs
# (dbt build + publish, scripts/backfill.py) -> summary and dashboard from the published marts.
# Extra arguments go to the generator (e.g. --customers 2000 --bad).
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
start=$SECONDS
echo "==> generating demo data into ${RAW_DATA_DIR:-data/raw}"
python scripts/generate_synthetic_data.py --out "${RAW_DATA_DIR:-data/raw}" "$@"
working="${DBT_DUCKDB_PATH:-data/retention.duckdb}"
published="$(python -c 'import sys; sys.path.insert(0, "scripts"); from publish import default_published; print(default_published())')"
echo "==> three monthly runs, each dbt build + publish (working database: $working)"
rm -f "$working" "$working.wal"
# The demo data ends on 2026-10-31, so the project's default as_of_date is 2026-11-01.
python scripts/backfill.py --start 2026-09-02 --end 2026-11-01 --every 30d
echo "==> summary (published marts: $published)"
python scripts/summary.py --db "$published"
echo "==> dashboard"
python scripts/report.py --database "$published"
echo "==> demo finished in $((SECONDS - start)) s"
