#!/usr/bin/env bash
# The main job on the embedded DuckDB default: demo data -> three monthly scheduled runs
# (dbt build + publish, scripts/backfill.py) -> summary and dashboard from the published marts.
# --target NAME runs it on another profiles.yml target (postgres, spark): the raw files are
# loaded there (scripts/load_raw.py), each run fits the predictions first (the fit step), and
# the summary and dashboard read that target's marts. Other arguments go to the generator
# (e.g. --customers 2000 --bad). The default demo writes
# the upload seed the repository tracks (seeds/synthetic_churn_predictions.csv: the same file);
# with other arguments the data differ, so the builds run in a copy of the project under
# data/demo_project whose seed is the generated upload, and the checkout stays as it is.
# Another target needs its adapter: both optional requirement files are installed then.
case " $* " in
    *" --target"*) REQUIREMENTS="requirements.txt requirements-postgres.txt requirements-spark.txt" ;;
esac
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"
start=$SECONDS
export RAW_DATA_DIR="$(realpath -m "${RAW_DATA_DIR:-data/raw}")"
export DBT_DUCKDB_PATH="$(realpath -m "${DBT_DUCKDB_PATH:-data/retention.duckdb}")"
project_dir="$PWD"
upload="seeds/synthetic_churn_predictions.csv"
target=""
generator_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --target) target="$2"; shift 2 ;;
        --target=*) target="${1#--target=}"; shift ;;
        *) generator_args+=("$1"); shift ;;
    esac
done
set -- "${generator_args[@]}"
if [ $# -gt 0 ]; then
    project_dir="$PWD/data/demo_project"
    rm -rf "$project_dir"
    python -c 'import sys; from pathlib import Path; from retention_tools.project_copy import copy_project; copy_project(Path(sys.argv[1]))' "$project_dir"
    upload="$project_dir/seeds/synthetic_churn_predictions.csv"
    # dbt imports the raw-file reader (the DuckDB profile's plugin) from the folder of
    # profiles.yml, which in the copy holds no Python: this checkout's, as in the checkout.
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
    echo "==> non-default data: building in a copy of the project, $project_dir"
fi
echo "==> generating demo data into $RAW_DATA_DIR"
python scripts/generate_synthetic_data.py --out "$RAW_DATA_DIR" --upload "$upload" "$@"
# The demo data ends on 2026-10-31, so the project's default as_of_date is 2026-11-01.
runs=(python scripts/backfill.py --start 2026-09-02 --end 2026-11-01 --every 30d --project-dir "$project_dir")
if [ -z "$target" ]; then
    published="$(python -c 'from retention_tools.publish import default_published; print(default_published())')"
    echo "==> three monthly runs, each dbt build + publish (working database: $DBT_DUCKDB_PATH)"
    rm -f "$DBT_DUCKDB_PATH" "$DBT_DUCKDB_PATH.wal"
    "${runs[@]}"
    echo "==> summary (published marts: $published)"
    python scripts/summary.py --db "$published"
    echo "==> dashboard"
    python scripts/report.py --database "$published"
else
    engine="$(python -c 'import sys; from pathlib import Path; from retention_tools.dbt_target import target_location
print(target_location(sys.argv[1], Path(sys.argv[2]))["type"])' "$target" "$project_dir")"
    echo "==> loading the raw files into target $target ($engine)"
    python scripts/load_raw.py --target "$engine" --dbt-target "$target" --raw-dir "$RAW_DATA_DIR" --project-dir "$project_dir"
    echo "==> three monthly runs on target $target, each fit step + dbt build (the history starts again)"
    "${runs[@]}" --target "$target" --full-refresh
    echo "==> summary (target $target)"
    python scripts/summary.py --target "$target"
    echo "==> dashboard"
    python scripts/report.py --target "$target"
fi
echo "==> demo finished in $((SECONDS - start)) s"
