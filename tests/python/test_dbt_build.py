"""dbt build on generated data with bad rows: every dbt unit and data test passes, nothing is
dropped silently, every planted bad row is rejected with its reason, and the summary prints."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import duckdb
import pytest

from dbt_runner import PROJECT_ROOT, make_project

RAW_TABLES = ["organizations", "customers", "transactions", "churn_predictions"]


@pytest.fixture(scope="module")
def built(tmp_path_factory, bad_raw_dir):
    project = make_project(tmp_path_factory.mktemp("build"), bad_raw_dir, upload_csv=bad_raw_dir / "upload.csv")
    project.build(unit_tests=True)
    return project


def test_every_dbt_test_ran_and_passed(built):
    results = built.run_results()
    # Exposures (the dashboard) are nodes with nothing to run: their status is no-op.
    statuses = Counter(r["status"] for r in results if not r["unique_id"].startswith("exposure."))
    assert statuses.keys() <= {"success", "pass", "warn"}, statuses
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    data_tests = [r for r in results if r["unique_id"].startswith("test.")]
    assert len(unit_tests) >= 10, "the unit tests did not run"
    assert all(r["status"] == "pass" for r in unit_tests)
    # Tests on the project's own outputs are errors and must pass; only source checks may warn.
    assert len(data_tests) >= 60
    warned = [r["unique_id"] for r in data_tests if r["status"] == "warn"]
    assert all(".source_" in uid for uid in warned), warned


def test_raw_rows_equal_used_plus_rejected(built, bad_raw_dir):
    """Counted from the files themselves, independently of the project's own reconciliation test."""
    with duckdb.connect() as con:
        raw = {
            t: con.execute(f"select count(*) from read_parquet('{bad_raw_dir}/{t}.parquet')").fetchone()[0]
            for t in RAW_TABLES
        }
        upload_rows = con.execute(
            f"select count(*) from read_csv('{bad_raw_dir}/upload.csv', header=true, all_varchar=true)"
        ).fetchone()[0]
    used = {
        "organizations": "intermediate.int_organizations_validated",
        "customers": "intermediate.int_customers_validated",
        "transactions": "intermediate.int_transactions_validated",
        "churn_predictions": "intermediate.int_churn_predictions_validated",
    }
    rejected = {
        r["source_table"]: r["n"]
        for r in built.query("select source_table, count(*) as n from marts.data_quality_rejects group by 1")
    }
    for table in RAW_TABLES:
        valid = built.query(f"select count(*) as n from {used[table]} where reject_reason_code is null")[0]["n"]
        assert valid + rejected.get(table, 0) == raw[table], table
        assert rejected.get(table, 0) > 0, f"the --bad data set has bad {table} rows"
    valid_upload = built.query(
        "select count(*) as n from intermediate.int_churn_upload_validated where reject_reason_code is null"
    )[0]["n"]
    assert valid_upload + rejected["churn_upload"] == upload_rows
    errors = built.query("select count(*) as n from marts.segmentation_errors")[0]["n"]
    assert errors == rejected["churn_upload"]


def test_every_planted_bad_row_is_rejected_with_its_reason(built, bad_raw_dir):
    manifest = json.loads((bad_raw_dir / "bad_rows_manifest.json").read_text())
    rejects = built.query("select source_table, reason_code, reason, raw_record from marts.data_quality_rejects")
    for r in rejects:
        r["raw"] = json.loads(r["raw_record"])
        assert r["reason"], r
    checked = 0
    for row in manifest["rows"]:
        if row["expected"] != "rejected" or row["table"] not in RAW_TABLES:
            continue
        matches = [
            r
            for r in rejects
            if r["source_table"] == row["table"]
            and all(r["raw"].get(k) == (None if v is None else str(v)) for k, v in row["key"].items() if k in r["raw"])
        ]
        assert matches, f"planted bad row not rejected: {row}"
        assert row["reason_code"] in {m["reason_code"] for m in matches}, row
        checked += 1
    assert checked >= 20


def test_summary_prints_every_segment_per_organization(built):
    out = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "summary.py"), "--db", str(built.db_path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    segments = [
        r["segment"] for r in built.query("select segment from marts.segment_definitions order by segment_order")
    ]
    organisations = built.query("select organization_id from marts.segmentation_run_summary")
    assert len(organisations) >= 3
    for org in organisations:
        assert org["organization_id"] in out
    for segment in segments:
        assert out.count(f"  {segment} ") == len(organisations), segment
    assert "not found in organization" in out or "not a number" in out
    assert out.count("  behaviour: ") == len(organisations)
    assert "top priority actions:" in out
    assert "Rejected input rows" in out
