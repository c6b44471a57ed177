"""The other input shapes of rules section 2: upstream RFM features (var rfm_source =
'provided') and an upload CSV that names the organisation per row."""

from __future__ import annotations

import shutil

import pytest

from dbt_runner import make_project
from handmade import ECO, FIXTURE, TEL

ECO_CUST_001 = "e1000000-0000-4000-8000-000000000001"
ECO_CUST_012 = "e1000000-0000-4000-8000-000000000002"
ECO_CUST_014 = "e1000000-0000-4000-8000-000000000003"
TEL_CUST_001 = "a1000000-0000-4000-8000-000000000001"

FEATURES = f"""\
customer_id,recency_days,frequency,monetary,engagement,\
recency_score,frequency_score,monetary_score,engagement_score,calculated_at
{ECO_CUST_001},5,10,500,20,90,80,75.555,60,2026-05-01 00:00:00
{ECO_CUST_001},4,11,510.5,21,95,85,71.004,65,2026-05-31 00:00:00
{ECO_CUST_012},400,0,0,1,10,10,10,10,2026-05-31 00:00:00
ghost-customer,1,1,1,1,50,50,50,50,2026-05-31 00:00:00
{ECO_CUST_012},1,1,1,1,50,150,50,50,2026-06-01 00:00:00
"""

UPLOAD = f"""organization_id,customer_id,churn_score
{ECO},CUST_001,0.2
{ECO},CUST_001,0.20
{TEL},CUST_001,0.9
nope-org,CUST_001,0.5
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("alternative_inputs")
    raw = tmp / "raw"
    shutil.copytree(FIXTURE, raw, ignore=shutil.ignore_patterns("upload.csv"))
    (raw / "customer_features.csv").write_text(FEATURES)
    project = make_project(tmp, raw, upload_csv=UPLOAD)
    project.build(vars={"as_of_date": "2026-06-01", "rfm_source": "provided"})
    return project


def segment_row(project, customer_id: str) -> dict:
    return project.query(f"select * from marts.customer_segments where customer_id = '{customer_id}'")[0]


def test_provided_features_use_the_latest_row_as_given(built):
    row = segment_row(built, ECO_CUST_001)
    # Latest calculated_at (2026-05-31) wins; scores are rounded to 2 decimals.
    assert (row["recency_days"], row["frequency"], row["monetary"], row["engagement"]) == (4, 11, 510.5, 21)
    assert (row["recency_score"], row["frequency_score"], row["monetary_score"], row["engagement_score"]) == (
        95.0,
        85.0,
        71.0,
        65.0,
    )
    assert (row["r_category"], row["f_category"], row["m_category"], row["e_category"]) == (
        "High",
        "High",
        "High",
        "Medium",
    )
    # churn 0.2 from the upload (0.2 and 0.20 count once): Low -> Champions.
    assert (row["churn_score"], row["churn_score_source"], row["churn_risk_level"]) == (0.2, "upload", "Low")
    assert row["segment"] == "Champions"
    # 0.7 * (95 + 85 + 71 + 65) / 4 + 30 * 0.8 = 0.7 * 79 + 24 = 79.3
    assert row["segment_score"] == pytest.approx(79.3, abs=0.005)


def test_customers_missing_from_provided_features_score_zero(built):
    low = segment_row(built, ECO_CUST_012)
    assert (low["recency_score"], low["frequency_score"]) == (10.0, 10.0)
    missing = segment_row(built, ECO_CUST_014)
    assert missing["recency_days"] is None
    assert (missing["frequency"], missing["monetary"], missing["engagement"]) == (0, 0, 0)
    assert (
        missing["recency_score"],
        missing["frequency_score"],
        missing["monetary_score"],
        missing["engagement_score"],
    ) == (0.0, 0.0, 0.0, 0.0)
    assert missing["r_category"] == missing["f_category"] == "Low"


def test_provided_features_of_unknown_customers_are_rejected(built):
    rejects = built.query(
        "select record_id, reason_code from marts.data_quality_rejects where source_table = 'customer_features'"
    )
    assert sorted(rejects, key=lambda r: r["record_id"]) == [
        {"record_id": ECO_CUST_012, "reason_code": "invalid_feature_score"},
        {"record_id": "ghost-customer", "reason_code": "unknown_customer"},
    ]


def test_upload_with_organization_column_scores_each_organization(built):
    assert segment_row(built, TEL_CUST_001)["churn_score"] == 0.9
    assert segment_row(built, TEL_CUST_001)["churn_risk_level"] == "Critical"
    errors = built.query("select organization_id, customer_ref, message from marts.segmentation_errors")
    assert errors == [
        {
            "organization_id": "nope-org",
            "customer_ref": "CUST_001",
            "message": "Customer CUST_001 not found in organization",
        }
    ]
    summary = {r["organization_id"]: r for r in built.query("select * from marts.segmentation_run_summary")}
    assert summary[ECO]["upload_rows"] == 2 and summary[ECO]["error_count"] == 0
    assert summary[TEL]["upload_rows"] == 1
