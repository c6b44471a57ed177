"""The published references through every engine (rules section 9.6): one data set with the
CDNOW sample (an ecommerce organisation) and Fader & Hardie's two sBG cohorts (telecom
organisations whose bills start 255 days before 1997-10-01), built for CDNOW's classic
39-week holdout (as_of_date 1998-07-01, churn_horizon_days 273: calibration_date 1997-10-01,
the published calibration split) on DuckDB (the dbt Python model), PostgreSQL and Spark (the
fit step). On each engine the calibration refits reproduce the published MBG/NBD, BG/NBD,
Gamma-Gamma and sBG parameters within 1%, the backtest predicts CDNOW's 1,577 of 1,882
holdout purchase days, and every prediction mart (with the backtests' `model` rows) equals
DuckDB's, numbers to a relative 1e-6. The BG/NBD refit (var clv_noncontractual_model) runs on
DuckDB and PostgreSQL: on Spark the fit step runs the same Python on the same summary rows as
for MBG/NBD, and a Spark refit costs a minute. Two more organisations cannot be fitted (only
one-time buyers; every customer with the same history) and get the same reason everywhere,
while the run goes on."""

from __future__ import annotations

import pandas as pd
import pytest

from dbt_runner import make_project
from engines import ENGINES, PREDICTION_MARTS, assert_dumps_equal, create_database, dump_marts, fit, load_raw
from test_clv_dbt import COHORTS, GAMMA_GAMMA, ORG, PUBLISHED, _write_org, cdnow_frames, cohort_frames

pytest.importorskip("pyspark", reason="requirements-spark.txt is not installed")

HOLDOUT = {"as_of_date": "1998-07-01", "churn_horizon_days": 273, "churn_upload_organization_id": ORG}
STAGE = ["+clv_model_params", "+customer_lifetime_value", "+clv_backtest", "+churn_backtest", "+churn_calibration"]
BGNBD_ENGINES = ENGINES[:2]
COMPARED = PREDICTION_MARTS + ["churn_backtest", "churn_calibration"]
# organisations whose fits fail: name -> purchase days of each of their 60 customers
UNFITTABLE = {"one_time_buyers": ["1997-02-03"], "identical_histories": ["1997-02-03", "1997-03-03", "1997-04-07"]}
CALIBRATION_FITS = (
    "select distinct organization_id, model, r, alpha, a, b, p, q, v, sbg_alpha, sbg_beta, "
    "fit_variant from {{ ref('int_customers_clv_scored') }} where reference = 'calibration'"
)


def unfittable_frames() -> tuple[list[dict], pd.DataFrame, pd.DataFrame]:
    orgs, customers, transactions = [], [], []
    for i, (name, days) in enumerate(UNFITTABLE.items()):
        org = f"bad00000-0000-4000-8000-00000000000{i}"
        orgs.append({"organization_id": org, "name": name, "org_type": "ecommerce"})
        for c in range(60):
            cid = f"{name}-{c:02d}"
            customers.append({"customer_id": cid, "organization_id": org, "external_id": cid})
            transactions += [
                {
                    "transaction_id": f"{cid}-{d}",
                    "customer_id": cid,
                    "occurred_at": f"{day} 10:00:00",
                    "transaction_type": "purchase",
                    "amount": 20.0,
                    "quantity": 1,
                    "category": "music",
                }
                for d, day in enumerate(days)
            ]
    return orgs, pd.DataFrame(customers), pd.DataFrame(transactions)


@pytest.fixture(scope="module")
def references(tmp_path_factory, postgres, spark_server):
    tmp = tmp_path_factory.mktemp("references")
    customers, transactions = cdnow_frames()
    orgs = [{"organization_id": ORG, "name": "CDNOW sample", "org_type": "ecommerce"}]
    cohort_orgs, cohort_customers, cohort_transactions = cohort_frames(
        pd.Timestamp("1997-10-01") - pd.Timedelta(days=255)
    )
    bad_orgs, bad_customers, bad_transactions = unfittable_frames()
    _write_org(
        tmp / "raw",
        orgs + cohort_orgs + bad_orgs,
        pd.concat([customers, cohort_customers, bad_customers]),
        pd.concat([transactions, cohort_transactions, bad_transactions]),
    )
    create_database(postgres, "clv_references")
    project = make_project(tmp, tmp / "raw", upload_csv="customer_id,churn_score\n")
    project.extra_env = {**postgres, "PGDATABASE": "clv_references", **spark_server}
    project.results = {}
    for target in ENGINES:
        if target != "duckdb":
            load_raw(project, tmp / "raw", target)
        after_fit = fit(project, target, HOLDOUT)
        project.run("run", "--target", target, "--select", *STAGE, *after_fit, vars=HOLDOUT)
        fits = {(r["organization_id"], r["model"]): r for r in project.show(CALIBRATION_FITS, target, HOLDOUT)}
        marts = dump_marts(project, target, relations=COMPARED, vars=HOLDOUT)
        project.results[target] = {
            "fits": fits,
            "marts": marts,
            "names": {r["name"]: r["organization_id"] for r in cohort_orgs + bad_orgs},
        }
        if target not in BGNBD_ENGINES:
            continue
        bgnbd = {**HOLDOUT, "clv_noncontractual_model": "bgnbd"}
        fit(project, target, bgnbd)
        project.run("run", "--target", target, "--select", "int_customers_clv_scored", vars=bgnbd)
        fits.update(
            {
                (r["organization_id"], r["model"]): r
                for r in project.show(CALIBRATION_FITS, target, bgnbd)
                if r["model"] == "bgnbd"
            }
        )
    return project


@pytest.mark.parametrize("engine", ENGINES)
def test_calibration_refits_reproduce_the_published_parameters(references, engine):
    result = references.results[engine]
    for model in ("mbgnbd", "bgnbd") if engine in BGNBD_ENGINES else ("mbgnbd",):
        fit_ = result["fits"][(ORG, model)]
        assert fit_["fit_variant"] == "full"
        for name, published in {**PUBLISHED[model], **GAMMA_GAMMA}.items():
            assert fit_[name] == pytest.approx(published, rel=0.01), (model, name)
    for cohort, (_, alpha, beta) in COHORTS.items():
        fit_ = result["fits"][(result["names"][cohort], "sbg")]
        assert fit_["fit_variant"] == "full"
        assert fit_["sbg_alpha"] == pytest.approx(alpha, rel=0.01) and fit_["sbg_beta"] == pytest.approx(beta, rel=0.01)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_39_week_holdout_backtest(references, engine):
    clv = [r for r in references.results[engine]["marts"]["clv_backtest"] if r["organization_id"] == ORG]
    assert len(clv) == 1
    assert clv[0]["calibration_date"] == "1997-10-01" and int(clv[0]["actual_purchases"]) == 1882
    assert float(clv[0]["predicted_purchases"]) == pytest.approx(1576.7, rel=0.005)
    model = [
        r
        for r in references.results[engine]["marts"]["churn_backtest"]
        if r["organization_id"] == ORG and r["source"] == "model"
    ]
    assert len(model) == 1 and int(model[0]["customers"]) == 2357 and float(model[0]["auc"]) > 0.7


@pytest.mark.parametrize("engine", ENGINES[1:])
def test_every_prediction_mart_equals_duckdbs(references, engine):
    assert_dumps_equal(references.results["duckdb"]["marts"], references.results[engine]["marts"], engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_organisations_that_cannot_be_fitted_get_their_reason(references, engine):
    result = references.results[engine]
    params = {r["organization_id"]: r for r in result["marts"]["clv_model_params"]}
    reasons = {}
    for name in UNFITTABLE:
        row = params[result["names"][name]]
        assert row["converged"] == "False" and row["r"] is None and row["reason"], row
        reasons[name] = row["reason"]
    assert "no repeat purchases" in reasons["one_time_buyers"], reasons
    assert "the same purchase history" in reasons["identical_histories"], reasons
    # the other organisations were fitted in the same run
    assert params[ORG]["converged"] == "True"
