#!/usr/bin/env bash
# A throwaway local PostgreSQL for tests and trying the `postgres` target:
#   eval "$(bash scripts/pg_local.sh start)"   # prints the PG* variables to export
#   bash scripts/pg_local.sh stop              # stops it and deletes its data
# The server runs from the PostgreSQL server binaries on the machine (initdb, pg_ctl), as the
# `postgres` user when run as root (initdb refuses root), on a free port of 127.0.0.1 and a
# socket directory of its own, with UTF-8 and the C collation (text sorts by code point, as on
# DuckDB) and the time zone UTC. Its files live in PG_LOCAL_DIR (default
# ${TMPDIR:-/tmp}/retention_analytics_pg); `start` on a running server only prints the variables.
set -euo pipefail
DIR="${PG_LOCAL_DIR:-${TMPDIR:-/tmp}/retention_analytics_pg}"
DB="${PG_LOCAL_DATABASE:-retention}"

find_bin() {
    local name="$1" found
    found="$(command -v "$name" 2>/dev/null || true)"
    if [ -z "$found" ]; then
        found="$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -1 || true)"
    fi
    [ -n "$found" ] || { echo "pg_local.sh: $name not found (install the PostgreSQL server binaries)" >&2; exit 1; }
    echo "$found"
}

as_owner() {  # run a server binary as the owner of the data directory
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

print_env() {
    cat <<VARS
export PGHOST=127.0.0.1
export PGPORT=$(cat "$DIR/port")
export PGUSER=postgres
export PGPASSWORD=
export PGDATABASE=$DB
VARS
}

# shellcheck source=scripts/_ports.sh
source "$(dirname "${BASH_SOURCE[0]}")/_ports.sh"

case "${1:-}" in
start)
    INITDB="$(find_bin initdb)"; PG_CTL="$(find_bin pg_ctl)"
    if [ -f "$DIR/data/postmaster.pid" ] && as_owner "$PG_CTL" -D "$DIR/data" status >/dev/null 2>&1; then
        print_env; exit 0
    fi
    rm -rf "$DIR"
    mkdir -p "$DIR/data" "$DIR/socket"
    [ "$(id -u)" = 0 ] && chown -R postgres "$DIR"
    as_owner "$INITDB" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; exit 1; }
    free_port > "$DIR/port"
    as_owner "$PG_CTL" -D "$DIR/data" -l "$DIR/server.log" -w \
        -o "-p $(cat "$DIR/port") -k $DIR/socket -c listen_addresses=127.0.0.1 -c timezone=UTC -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
    PSQL="$(dirname "$PG_CTL")/psql"
    if [ -x "$PSQL" ]; then
        "$PSQL" -h 127.0.0.1 -p "$(cat "$DIR/port")" -U postgres -d postgres -qc "create database $DB" >/dev/null
    else
        PY_WITH_PSYCOPG="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.venv/bin/python"
        [ -x "$PY_WITH_PSYCOPG" ] || PY_WITH_PSYCOPG=python3
        "$PY_WITH_PSYCOPG" - "$(cat "$DIR/port")" "$DB" <<'PY'
import sys, psycopg2
con = psycopg2.connect(host="127.0.0.1", port=sys.argv[1], user="postgres", dbname="postgres")
con.autocommit = True
con.cursor().execute(f"create database {sys.argv[2]}")
PY
    fi
    print_env
    ;;
stop)
    if [ -d "$DIR/data" ]; then
        PG_CTL="$(find_bin pg_ctl)"
        as_owner "$PG_CTL" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
    ;;
env)
    print_env
    ;;
*)
    echo "usage: bash scripts/pg_local.sh start|stop|env" >&2; exit 2
    ;;
esac
