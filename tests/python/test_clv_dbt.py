"""CLV through `dbt build`: the CDNOW sample loaded as an ecommerce organisation reproduces
the published BG/NBD and Gamma-Gamma parameters (spec section 9), and model churn
(1 - p_alive) becomes the last churn source."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dbt_runner import make_project

FIXTURE = Path(__file__).parent / "fixtures" / "cdnow"
ORG = "cd000000-0000-4000-8000-000000000001"
PUBLISHED = {"r": 0.243, "alpha": 30.90, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "v": 15.44}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cdnow")
    raw = tmp / "raw"
    raw.mkdir()
    cdnow = pd.read_csv(FIXTURE / "CDNOW_sample.txt", sep=r"\s+", header=None,
                        names=["master_id", "customer_id", "date", "cds", "amount"], dtype=str)
    pd.DataFrame([{"organization_id": ORG, "name": "CDNOW sample", "org_type": "ecommerce"}]).to_csv(
        raw / "organizations.csv", index=False)
    customers = pd.DataFrame({"customer_id": sorted(cdnow["master_id"].unique())})
    customers["organization_id"] = ORG
    customers["external_id"] = "CDNOW_" + customers["customer_id"]
    customers.to_csv(raw / "customers.csv", index=False)
    transactions = pd.DataFrame({
        "transaction_id": [f"T{i:05d}" for i in range(len(cdnow))],
        "customer_id": cdnow["master_id"],
        "occurred_at": pd.to_datetime(cdnow["date"], format="%Y%m%d").dt.strftime("%Y-%m-%d 12:00:00"),
        "transaction_type": "purchase",
        "amount": cdnow["amount"],
        "quantity": cdnow["cds"],
        "category": "music",
    })
    transactions.to_csv(raw / "transactions.csv", index=False)
    project = make_project(tmp, raw, upload_csv="customer_id,churn_score\n")
    # Calibration period up to and including 1997-09-30: as_of_date is the day after.
    project.build(vars={"as_of_date": "1997-10-01", "churn_upload_organization_id": ORG})
    return project


def test_cdnow_parameters_match_the_published_fit(built):
    params = built.query("select * from marts.clv_model_params")
    assert len(params) == 1
    row = params[0]
    assert row["converged"] and row["reason"] is None
    assert row["customers_fitted"] == 2357
    for name, published in PUBLISHED.items():
        assert row[name] == pytest.approx(published, rel=0.01), name


def test_cdnow_customers_are_scored_and_churn_falls_back_to_the_model(built):
    clv = built.query("select count(*) as n, count(p_alive) as scored, count(clv_365d) as valued, "
                      "min(p_alive) as lo, max(p_alive) as hi from marts.customer_lifetime_value")[0]
    assert clv["n"] == clv["scored"] == clv["valued"] == 2357
    assert 0 < clv["lo"] and clv["hi"] <= 1
    churn = built.query("""
        select count(*) as n, count(*) filter (where s.churn_score_source = 'model') as modelled,
               max(abs(s.churn_score - (1 - c.p_alive))) as worst
        from marts.customer_segments s join marts.customer_lifetime_value c using (customer_id)
    """)[0]
    assert churn["n"] == churn["modelled"] == 2357
    assert churn["worst"] < 1e-9


def test_clv_min_customers_var_reaches_the_python_model(built):
    vars = {"as_of_date": "1997-10-01", "churn_upload_organization_id": ORG}
    try:
        built.run("run", "--select", "int_customers_clv_scored+", vars={**vars, "clv_min_customers": 5000})
        row = built.query("select converged, r, reason from marts.clv_model_params")[0]
        assert not row["converged"] and row["r"] is None
        assert "need at least 5000" in row["reason"]
    finally:
        built.run("run", "--select", "int_customers_clv_scored+", vars=vars)
