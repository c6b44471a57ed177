#!/usr/bin/env bash
# Every test: pytest runs the generator tests, the hand-made end-to-end fixture, the
# cross-engine comparison (DuckDB, PostgreSQL, Spark), and dbt
# build (all dbt unit and data tests) on generated data with bad rows. Extra arguments go
# to pytest (e.g. -k handmade).
REQUIREMENTS="requirements.txt requirements-postgres.txt requirements-spark.txt"
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
python -m pytest tests/python "$@"
