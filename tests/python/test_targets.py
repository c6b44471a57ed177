"""A development target writes its own schemas (<DBT_DEV_SCHEMA>_staging ... _marts, the
history included), and the scripts that read marts find them when given the target:
scheduled_run.py builds and publishes them (to a file of their own), summary.py prints them
and report.py draws them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dbt_runner import PROJECT_ROOT, make_project
from handmade import TEL

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "handmade"


def _script(project, name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / name), *args],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dev_target")
    project = make_project(tmp, FIXTURE, upload_csv=FIXTURE / "upload.csv")
    project.extra_env = {
        "DBT_DEV_SCHEMA": "alice",
        "DBT_DUCKDB_DEV_PATH": str(tmp / "dev.duckdb"),
        "RETENTION_PUBLISHED_PATH": str(tmp / "production_published.duckdb"),
    }
    project.db_path = tmp / "dev.duckdb"
    # the upload belongs to the telecom organisation (the project's var names the demo's)
    (project.root / "dbt_project.yml").write_text(
        (project.root / "dbt_project.yml")
        .read_text()
        .replace(
            'churn_upload_organization_id: "8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b02"',
            f'churn_upload_organization_id: "{TEL}"',
        )
    )
    proc = _script(
        project,
        "scheduled_run.py",
        "--project-dir",
        str(project.root),
        "--target",
        "dev",
        "--as-of-date",
        "2026-06-01",
        "--quiet",
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    project.run_output = proc.stdout
    return project


def test_a_development_target_writes_only_its_own_schemas(dev):
    schemas = {r["schema_name"] for r in dev.query("select distinct schema_name from duckdb_tables()")}
    assert schemas == {"raw", "alice_seeds", "alice_intermediate", "alice_marts", "alice_history_staged"}
    assert {
        r["table_name"] for r in dev.query("select table_name from duckdb_tables() where schema_name = 'alice_marts'")
    } >= {"customer_segments", "segment_history", "history_runs", "segment_definitions"}
    assert dev.query("select count(*) as n from alice_marts.history_runs")[0]["n"] == 5  # the organisations segmented


def test_it_publishes_to_a_file_of_its_own(dev):
    published = Path(dev.extra_env["DBT_DUCKDB_DEV_PATH"]).parent / "published" / "alice_marts.dev.duckdb"
    assert published.exists() and str(published) in dev.run_output
    assert not Path(dev.extra_env["RETENTION_PUBLISHED_PATH"]).exists()  # the production publication is untouched
    with duckdb.connect(str(published), read_only=True) as con:
        assert (
            con.execute("select count(*) from marts.customer_segments").fetchone()[0]
            == dev.query("select count(*) as n from alice_marts.customer_segments")[0]["n"]
        )


def test_summary_and_report_read_the_targets_marts(dev, tmp_path):
    summary = _script(dev, "summary.py", "--target", "dev")
    assert summary.returncode == 0, summary.stderr
    assert "Segmentation as of 2026-06-01 (exclusive): 5 organisation(s)" in summary.stdout
    assert "Handmade Telecom" in summary.stdout
    report = _script(dev, "report.py", "--target", "dev", "--output", str(tmp_path / "dashboard.html"))
    assert report.returncode == 0, report.stderr
    assert "Handmade Telecom" in (tmp_path / "dashboard.html").read_text()
    # without the target the scripts look for schema marts, which this file does not have
    without = _script(dev, "summary.py", "--db", str(dev.db_path))
    assert without.returncode != 0 and "has no schema marts: build it first, or give the --target" in without.stderr


def test_a_history_source_outside_the_marts_schema_stops_the_run(dev):
    """The source `history` follows the target (alice_marts above); pointed elsewhere by var
    history_schema, the run stops with a message saying what to set, before anything is built."""
    proc = dev.run(
        "run-operation", "create_history_tables", "--target", "dev", vars={"history_schema": "elsewhere"}, check=False
    )
    assert proc.returncode != 0
    assert (
        "The history source's schema is elsewhere but the marts are built in alice_marts: "
        "set var history_schema to alice_marts" in proc.stdout
    )
    assert not dev.query("select 1 from duckdb_tables() where schema_name = 'elsewhere'")
