#!/usr/bin/env bash
# Every test: pytest runs the generator tests, the hand-made end-to-end fixture, the
# cross-engine comparison (DuckDB, PostgreSQL, Spark), and dbt
# build (all dbt unit and data tests) on generated data with bad rows. Extra arguments go
# to pytest (e.g. -k handmade). --quick (first argument): the quick loop, the tests not marked
# slow: the dbt build of the hand-made fixtures on DuckDB (every dbt unit test, every data test)
# and the Python unit tests.
quick=()
if [ "${1:-}" = "--quick" ]; then
    quick=(-m "not slow")
    shift
fi
REQUIREMENTS="requirements.txt requirements-postgres.txt requirements-spark.txt requirements-semantic.txt requirements-lint.txt"
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
# The dashboard test opens the HTML in headless Chromium (Debian's package).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing chromium"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# Two workers (PYTEST_WORKERS), one test file each at a time: files share module fixtures
# (a built project, a PostgreSQL server), and the cross-engine file alone takes half the time.
# --durations: the slowest tests and fixtures at the end of the log, to keep the suite short.
status=0
python -m pytest tests/python -n "${PYTEST_WORKERS:-2}" --dist loadfile --durations=15 ${quick[@]+"${quick[@]}"} "$@" || status=$?
echo "==> finished in $SECONDS s, installs included (exit $status)"
exit $status
