"""Predictions through `dbt build`, against published results (rules section 9):

- the CDNOW sample loaded as an ecommerce organisation reproduces the published MBG/NBD (the
  default), BG/NBD and Gamma-Gamma parameters, and model churn becomes the last churn source;
- the CDNOW 39-week holdout (as_of_date 1998-07-01, horizon 273 days: calibration 1997-10-01,
  the classic split) gives sensible backtests of purchases and churn;
- Fader & Hardie's (2007) "high end" and "regular" cohorts, written as monthly telecom bills,
  reproduce the published shifted-beta-geometric fits.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dbt_runner import make_project

FIXTURE = Path(__file__).parent / "fixtures" / "cdnow"
ORG = "cd000000-0000-4000-8000-000000000001"
PUBLISHED = {
    "mbgnbd": {"r": 0.525, "alpha": 43.28, "a": 0.891, "b": 1.614},
    "bgnbd": {"r": 0.243, "alpha": 30.90, "a": 0.793, "b": 2.426},
}
GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}
CALIBRATION = {"as_of_date": "1997-10-01", "churn_upload_organization_id": ORG}


def _write_org(raw: Path, orgs: list[dict], customers: pd.DataFrame, transactions: pd.DataFrame) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(orgs).to_csv(raw / "organizations.csv", index=False)
    customers.to_csv(raw / "customers.csv", index=False)
    transactions.to_csv(raw / "transactions.csv", index=False)


def cdnow_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The CDNOW sample as the customers and transactions of one ecommerce organisation."""
    cdnow = pd.read_csv(
        FIXTURE / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype=str,
    )
    customers = pd.DataFrame({"customer_id": sorted(cdnow["master_id"].unique())})
    customers["organization_id"] = ORG
    customers["external_id"] = "CDNOW_" + customers["customer_id"]
    transactions = pd.DataFrame(
        {
            "transaction_id": [f"T{i:05d}" for i in range(len(cdnow))],
            "customer_id": cdnow["master_id"],
            "occurred_at": pd.to_datetime(cdnow["date"], format="%Y%m%d").dt.strftime("%Y-%m-%d 12:00:00"),
            "transaction_type": "purchase",
            "amount": cdnow["amount"],
            "quantity": cdnow["cds"],
            "category": "music",
        }
    )
    return customers, transactions


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cdnow")
    customers, transactions = cdnow_frames()
    _write_org(
        tmp / "raw",
        [{"organization_id": ORG, "name": "CDNOW sample", "org_type": "ecommerce"}],
        customers,
        transactions,
    )
    project = make_project(tmp, tmp / "raw", upload_csv="customer_id,churn_score\n")
    # Calibration period up to and including 1997-09-30: as_of_date is the day after.
    project.build(vars=CALIBRATION)
    return project


def _params(project, model: str) -> dict:
    rows = project.query(f"select * from marts.clv_model_params where model = '{model}'")
    assert len(rows) == 1, rows
    return rows[0]


def test_cdnow_mbgnbd_and_gamma_gamma_match_the_published_fit(built):
    assert [r["model"] for r in built.query("select model from marts.clv_model_params")] == ["mbgnbd"]
    row = _params(built, "mbgnbd")
    assert row["converged"] and row["reason"] is None and row["variant"] == "full"
    assert row["dropout_probability"] is None
    assert row["aic"] == pytest.approx(8 - 2 * row["log_likelihood"], rel=1e-12)
    assert row["customers_fitted"] == 2357
    assert row["sbg_alpha"] is None and row["sbg_beta"] is None
    for name, published in {**PUBLISHED["mbgnbd"], **GAMMA_GAMMA}.items():
        assert row[name] == pytest.approx(published, rel=0.01), name


def test_cdnow_customers_are_scored_and_churn_falls_back_to_model_churn(built):
    clv = built.query(
        "select count(*) as n, count(p_alive) as scored, count(clv_365d) as valued, "
        "min(p_alive) as lo, max(p_alive) as hi, count(periods_paid) as contractual, "
        "min(churn_probability) as churn_lo, max(churn_probability) as churn_hi "
        "from marts.customer_lifetime_value"
    )[0]
    assert clv["n"] == clv["scored"] == clv["valued"] == 2357
    assert 0 < clv["lo"] and clv["hi"] < 1  # MBG/NBD: a one-time buyer may be gone too
    assert clv["contractual"] == 0
    assert 0 < clv["churn_lo"] < clv["churn_hi"] < 1
    churn = built.query("""
        select count(*) as n, count(*) filter (where s.churn_score_source = 'model') as modelled,
               max(abs(s.churn_score - c.churn_probability)) as worst
        from marts.customer_segments s join marts.customer_lifetime_value c using (customer_id)
    """)[0]
    assert churn["n"] == churn["modelled"] == 2357
    assert churn["worst"] < 1e-12


def test_cdnow_bgnbd_on_request(built):
    try:
        built.run(
            "run", "--select", "int_customers_clv_scored+", vars={**CALIBRATION, "clv_noncontractual_model": "bgnbd"}
        )
        row = _params(built, "bgnbd")
        assert row["converged"] and row["customers_fitted"] == 2357
        for name, published in {**PUBLISHED["bgnbd"], **GAMMA_GAMMA}.items():
            assert row[name] == pytest.approx(published, rel=0.01), name
        models = built.query("select distinct model from marts.customer_lifetime_value")
        assert models == [{"model": "bgnbd"}]
    finally:
        built.run("run", "--select", "int_customers_clv_scored+", vars=CALIBRATION)


def test_clv_min_customers_var_reaches_the_python_model(built):
    try:
        built.run("run", "--select", "int_customers_clv_scored+", vars={**CALIBRATION, "clv_min_customers": 5000})
        row = _params(built, "mbgnbd")
        assert not row["converged"] and row["r"] is None
        assert "need at least 5000" in row["reason"]
        assert built.query("select count(churn_probability) as n from marts.customer_lifetime_value")[0]["n"] == 0
    finally:
        built.run("run", "--select", "int_customers_clv_scored+", vars=CALIBRATION)


def test_cdnow_39_week_holdout_backtest(built):
    """The classic CDNOW split: fit on 1997-01-01..1997-09-30, predict the next 39 weeks."""
    holdout = {**CALIBRATION, "as_of_date": "1998-07-01", "churn_horizon_days": 273}
    try:
        built.run("run", "--select", "int_as_of_date_resolved+", vars=holdout)
        clv = built.query("select * from marts.clv_backtest")
        assert len(clv) == 1
        clv = clv[0]
        assert str(clv["calibration_date"]) == "1997-10-01" and clv["horizon_days"] == 273
        assert clv["customers"] == 2357
        # the distinct purchase days of the holdout, seen and predicted: MBG/NBD under-predicts
        # them by 16% (BG/NBD by 12%: 1,653), as these models are known to on CDNOW's holdout
        assert clv["actual_purchases"] == 1882
        assert clv["predicted_purchases"] == pytest.approx(1576.7, rel=0.005)
        assert -20 < clv["percentage_error"] < -12, clv
        backtest = {r["source"]: r for r in built.query("select * from marts.churn_backtest")}
        assert set(backtest) == {"model", "recency"}
        model, recency = backtest["model"], backtest["recency"]
        assert model["customers"] == recency["customers"] == 2357
        assert 0.5 < model["churn_rate"] < 0.9
        # model churn ranks the customers much better than a coin, and at least about as well as recency
        # (measured: model 0.760, recency 0.771; the old 1 - p_alive under BG/NBD gave 0.32)
        assert model["auc"] > 0.7 and model["auc"] >= recency["auc"] - 0.02, backtest
        assert model["top_decile_lift"] > 1 and 0 < model["brier"] < 0.25
        bins = built.query(
            "select sum(customers) as n, count(*) as bins from marts.churn_calibration where source = 'model'"
        )[0]
        assert bins == {"n": 2357, "bins": 10}
    finally:
        built.run("run", "--select", "int_as_of_date_resolved+", vars=CALIBRATION)


# Fader & Hardie (2007), "How to project customer retention": survivors after renewals 0..7.
COHORTS = {
    "high_end": ([1000, 869, 743, 653, 593, 551, 517, 491], 0.668, 3.806),
    "regular": ([1000, 631, 468, 382, 326, 289, 262, 241], 0.704, 1.182),
}
START = pd.Timestamp("2020-01-01")


def cohort_frames(start: pd.Timestamp) -> tuple[list[dict], pd.DataFrame, pd.DataFrame]:
    """The cohorts as telecom organisations: organisations, customers and monthly bills from ``start``."""
    orgs, customers, transactions = [], [], []
    for i, (name, (survivors, _, _)) in enumerate(COHORTS.items()):
        org = f"5b900000-0000-4000-8000-00000000000{i}"
        orgs.append({"organization_id": org, "name": name, "org_type": "telecom"})
        paid = [
            k for k, (before, after) in enumerate(zip(survivors, survivors[1:]), start=1) for _ in range(before - after)
        ] + [8] * survivors[-1]
        for c, bills in enumerate(paid):
            cid = f"{name}-{c:04d}"
            customers.append({"customer_id": cid, "organization_id": org, "external_id": cid})
            for j in range(bills):
                transactions.append(
                    {
                        "transaction_id": f"{cid}-{j}",
                        "customer_id": cid,
                        "occurred_at": (start + pd.Timedelta(days=30 * j)).strftime("%Y-%m-%d 09:00:00"),
                        "transaction_type": "bill_payment",
                        "amount": 40.0,
                        "quantity": 0,
                    }
                )
    return orgs, pd.DataFrame(customers), pd.DataFrame(transactions)


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory):
    """Each cohort is a telecom organisation whose customers all pay their first bill on
    START; a customer who left at renewal k paid k monthly bills (30 days apart) and the
    survivors paid 8. as_of_date = START + 255 days: 8 whole periods elapsed, so a customer
    with k <= 7 bills is lapsed and a survivor (8 bills, the last at +210 days) is not."""
    tmp = tmp_path_factory.mktemp("sbg")
    orgs, customers, transactions = cohort_frames(START)
    _write_org(tmp / "raw", orgs, customers, transactions)
    project = make_project(tmp, tmp / "raw", upload_csv="customer_id,churn_score\n")
    as_of = (START + pd.Timedelta(days=255)).strftime("%Y-%m-%d")
    project.build(vars={"as_of_date": as_of, "churn_upload_organization_id": orgs[0]["organization_id"]})
    return project


@pytest.mark.parametrize("cohort", sorted(COHORTS))
def test_fader_hardie_cohorts_reproduce_the_published_sbg_fit(cohorts, cohort):
    survivors, alpha, beta = COHORTS[cohort]
    rows = cohorts.query(f"""
        select p.* from marts.clv_model_params p
        join marts.organizations o using (organization_id) where o.organization_name = '{cohort}'""")
    assert [r["model"] for r in rows] == ["sbg"]
    row = rows[0]
    assert row["converged"] and row["reason"] is None and row["customers_fitted"] == 1000
    assert row["variant"] == "full" and row["dropout_probability"] is None
    assert row["sbg_alpha"] == pytest.approx(alpha, abs=0.0015)
    assert row["sbg_beta"] == pytest.approx(beta, abs=0.0015)
    assert row["r"] is None and row["p"] is None
    scored = cohorts.query(f"""
        select count(*) filter (where lapsed) as lapsed, count(*) filter (where not lapsed) as active,
               min(p_alive) filter (where lapsed) as lapsed_alive,
               max(churn_probability) filter (where not lapsed) as active_churn,
               min(churn_probability) filter (where lapsed) as lapsed_churn, max(periods_paid) as max_paid
        from marts.customer_lifetime_value c join marts.organizations o using (organization_id)
        where o.organization_name = '{cohort}'""")[0]
    assert scored["lapsed"] == 1000 - survivors[-1] and scored["active"] == survivors[-1]
    assert scored["lapsed_alive"] == 0 and scored["lapsed_churn"] == 1 and scored["max_paid"] == 8
    assert 0 < scored["active_churn"] < 1
