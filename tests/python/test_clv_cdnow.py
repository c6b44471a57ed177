"""CLV maths on the public CDNOW sample: the published BG/NBD, MBG/NBD and Gamma-Gamma results.

Calibration to 1997-09-30 (as_of_date 1997-10-01), through the same code path as the dbt
models: per-customer summary -> retention_clv.score_organizations.
Published: Fader, Hardie & Lee (2005), Batislam, Denizel & Filiztekin (2007) and the
`lifetimes` documentation (see fixtures/cdnow/README.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import retention_clv as clv
from retention_clv import bgnbd

FIXTURE = Path(__file__).parent / "fixtures" / "cdnow"
AS_OF_DATE = pd.Timestamp("1997-10-01")
OBSERVATION_END = AS_OF_DATE - pd.Timedelta(days=1)

PUBLISHED = {"r": 0.243, "alpha": 30.90, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "v": 15.44}
# MBG/NBD on the same data (alpha = 6.183 weeks); Gamma-Gamma does not depend on the count model
PUBLISHED_MBGNBD = {"r": 0.525, "alpha": 43.28, "a": 0.891, "b": 1.614, "p": 6.25, "q": 3.74, "v": 15.44}


def load_transactions() -> pd.DataFrame:
    raw = pd.read_csv(
        FIXTURE / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype={"master_id": str, "customer_id": str, "date": str},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    raw["organization_id"] = "cdnow"
    return raw


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return load_transactions()


@pytest.fixture(scope="module")
def summary(transactions) -> pd.DataFrame:
    return clv.summarize_purchases(transactions, OBSERVATION_END)


@pytest.fixture(scope="module")
def scored(summary):
    """BG/NBD + Gamma-Gamma (the published lifetimes numbers below are BG/NBD's)."""
    return clv.score_organizations(summary, noncontractual_model="bgnbd", min_customers=50)


@pytest.fixture(scope="module")
def scored_mbgnbd(summary):
    """The default: MBG/NBD + Gamma-Gamma; no setting column means all non-contractual."""
    return clv.score_organizations(summary, min_customers=50)


def test_fixture_is_the_cdnow_sample(transactions):
    assert len(transactions) == 6919
    assert transactions["customer_id"].nunique() == 2357
    assert transactions["date"].min() == pd.Timestamp("1997-01-01")
    assert transactions["date"].max() == pd.Timestamp("1998-06-30")


def test_summary_matches_the_published_calibration_summary(summary):
    published = pd.read_csv(FIXTURE / "cdnow_customers_summary_with_transactions.csv")
    ours = summary.assign(ID=summary["customer_id"].astype(int)).merge(published, on="ID", suffixes=("", "_pub"))
    assert len(ours) == 2357 == len(summary)
    assert (ours["x"] == ours["x_pub"]).all()
    # published in weeks, rounded to 2 decimals
    assert np.allclose(ours["t_x"] / 7, ours["t_x_pub"], atol=0.0051)
    assert np.allclose(ours["T"] / 7, ours["T_pub"], atol=0.0051)
    assert np.allclose(ours["m"].fillna(0), ours["zbar"], atol=0.0051)
    assert ours.loc[ours["x"] == 0, "m"].isna().all()
    assert summary["x"].sum() == 2457  # repeat transactions in the calibration period


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_published_parameters_within_one_percent(scored, scored_mbgnbd, model):
    _, params = scored if model == "bgnbd" else scored_mbgnbd
    published = PUBLISHED if model == "bgnbd" else PUBLISHED_MBGNBD
    assert len(params) == 1
    row = params.iloc[0]
    assert row["organization_id"] == "cdnow" and row["model"] == model
    assert row["customers_fitted"] == 2357
    assert bool(row["converged"]) and row["reason"] is None
    # four parameters are identified on CDNOW and worth their AIC: the full model is published
    assert row["variant"] == "full" and np.isnan(row["dropout_probability"])
    assert row["aic"] == pytest.approx(8 - 2 * row["log_likelihood"], rel=1e-12)
    choice = bgnbd.fit_variants(
        *_arrays(scored[0] if model == "bgnbd" else scored_mbgnbd[0]), modified=model == "mbgnbd"
    )
    assert [f.variant for f in choice.fits] == ["full", "homogeneous_dropout", "no_dropout"]
    assert all(f.converged for f in choice.fits) and choice.chosen.variant == "full"
    assert all(f.aic > row["aic"] + 10 for f in choice.fits[1:]), [f.aic for f in choice.fits]
    for name, value in published.items():
        assert row[name] == pytest.approx(value, rel=0.01), name
    weeks = 4.414 if model == "bgnbd" else 6.183
    assert row["alpha"] / 7 == pytest.approx(weeks, rel=0.01)  # in weeks
    assert np.isnan(row["sbg_alpha"]) and np.isnan(row["sbg_beta"])


def _arrays(customers):
    return [customers[c].to_numpy(dtype=float) for c in ("x", "t_x", "T")]


def test_log_likelihoods(scored, scored_mbgnbd, summary):
    _, params = scored
    row = params.iloc[0]
    # The published BG/NBD log-likelihood (-9582.4) is in weeks; in days the density of the
    # purchase times changes by 7^-x per customer.
    assert row["log_likelihood"] + summary["x"].sum() * np.log(7) == pytest.approx(-9582.4, abs=0.1)
    repeat = summary[summary["x"] > 0]
    direct = clv.gamma_gamma.loglik(repeat["x"], repeat["m"], row["p"], row["q"], row["v"]).sum()
    assert row["gamma_gamma_log_likelihood"] == pytest.approx(direct, rel=1e-12)
    # MBG/NBD: the sum of the per-customer terms at the fitted parameters; a hair better than
    # BG/NBD here (-9582.1 in weeks)
    m_row = scored_mbgnbd[1].iloc[0]
    direct = bgnbd.loglik(
        summary["x"], summary["t_x"], summary["T"], m_row["r"], m_row["alpha"], m_row["a"], m_row["b"], modified=True
    ).sum()
    assert m_row["log_likelihood"] == pytest.approx(direct, rel=1e-12)
    assert m_row["log_likelihood"] + summary["x"].sum() * np.log(7) == pytest.approx(-9582.1, abs=0.1)
    assert m_row["gamma_gamma_log_likelihood"] == row["gamma_gamma_log_likelihood"]


# (customer, x, t_x days, T days, p_alive, expected purchases in 90 days, expected average value,
#  CLV 365 days), computed with lifetimes 0.11.3 (BetaGeoFitter / GammaGammaFitter fitted to the
#  same summary, in weeks) as an independent implementation.
LIFETIMES_REFERENCE = [
    ("1", 2, 213, 272, 0.7266202978, 0.4524828653, 24.65391871, 38.51409729),
    ("2", 1, 12, 272, 0.2123910243, 0.07398325805, 18.91001848, 4.930253746),
    ("3", 0, 0, 272, 1.0, 0.06907946355, 35.17037133, 8.873122907),
    ("18", 1, 34, 272, 0.3108557359, 0.1082819775, 17.67313947, 6.743940798),
    ("157", 29, 264, 266, 0.9692212746, 7.760485716, 26.3942635, 662.9010685),
]


@pytest.mark.parametrize("ref", LIFETIMES_REFERENCE, ids=lambda r: f"customer {r[0]}")
def test_predictions_match_lifetimes(scored, ref):
    customers, _ = scored
    cid, x, t_x, T, p_alive, e90, value, clv_365 = ref
    row = customers.set_index(customers["customer_id"].astype(int).astype(str)).loc[cid]
    assert (row["x"], row["t_x"], row["T"]) == (x, t_x, T)
    assert row["p_alive"] == pytest.approx(p_alive, rel=1e-4)
    assert row["expected_purchases_90d"] == pytest.approx(e90, rel=1e-4)
    assert row["expected_avg_value"] == pytest.approx(value, rel=1e-4)
    assert row["clv_365d"] == pytest.approx(clv_365, rel=1e-4)


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_output_columns_and_consistency(scored, scored_mbgnbd, model):
    customers, params = scored if model == "bgnbd" else scored_mbgnbd
    modified = model == "mbgnbd"
    assert list(customers.columns) == clv.CUSTOMER_COLUMNS
    assert list(params.columns) == clv.PARAMS_COLUMNS
    assert len(customers) == 2357
    assert (customers["model"] == model).all()
    assert customers["periods_paid"].isna().all() and customers["lapsed"].isna().all()
    assert customers["p_alive"].between(0, 1).all()
    once = customers["x"] == 0
    if modified:  # a one-time buyer may have left right after his first purchase
        assert customers.loc[once, "p_alive"].lt(1).all()
    else:
        assert (customers.loc[once, "p_alive"] == 1).all()
    assert customers["churn_probability"].gt(0).all() and customers["churn_probability"].lt(1).all()
    assert customers["expected_purchases_90d"].gt(0).all()
    # churn horizon = purchases horizon = 90 days by default
    assert np.array_equal(customers["expected_purchases_horizon"], customers["expected_purchases_90d"])
    row = params.iloc[0]
    pop_mean = row["p"] * row["v"] / (row["q"] - 1)
    assert np.allclose(customers.loc[once, "expected_avg_value"], pop_mean)
    bg = (row["r"], row["alpha"], row["a"], row["b"])
    x, t_x, T = customers["x"], customers["t_x"], customers["T"]
    e365 = clv.expected_purchases(365, x, t_x, T, *bg, modified=modified)
    assert np.allclose(customers["clv_365d"], e365 * customers["expected_avg_value"], rtol=1e-12)
    value = clv.expected_avg_value(x, customers["m"], row["p"], row["q"], row["v"])
    assert np.allclose(customers["expected_avg_value"], value, rtol=1e-12)
    assert np.allclose(
        customers["churn_probability"], bgnbd.churn_probability(90, x, t_x, T, *bg, modified=modified), rtol=1e-12
    )
    # other horizons
    c2, _ = clv.score_organizations(
        customers[["organization_id", "customer_id", "x", "t_x", "T", "m"]],
        noncontractual_model=model,
        churn_horizon_days=30,
        purchases_horizon_days=60,
        clv_horizon_days=730,
    )
    for col, t in (("expected_purchases_horizon", 30), ("expected_purchases_90d", 60)):
        assert np.allclose(c2[col], clv.expected_purchases(t, x, t_x, T, *bg, modified=modified), rtol=1e-12)
    assert np.allclose(
        c2["churn_probability"], bgnbd.churn_probability(30, x, t_x, T, *bg, modified=modified), rtol=1e-12
    )
    assert np.allclose(
        c2["clv_365d"], clv.expected_purchases(730, x, t_x, T, *bg, modified=modified) * value, rtol=1e-12
    )


def test_fit_functions_directly(summary):
    bg = clv.fit_bgnbd(summary["x"], summary["t_x"], summary["T"])
    assert bg.converged and bg.n_customers == 2357
    assert bg.n_unique < bg.n_customers  # identical (x, t_x, T) were compressed
    mbg = clv.fit_mbgnbd(summary["x"], summary["t_x"], summary["T"])
    assert mbg.converged and mbg.model == "mbgnbd" and mbg.n_unique == bg.n_unique
    for name in ("r", "alpha", "a", "b"):
        assert getattr(mbg, name) == pytest.approx(PUBLISHED_MBGNBD[name], rel=0.01)
    gg = clv.fit_gamma_gamma(summary["x"], summary["m"])
    assert gg.converged and gg.n_customers == 946
    for name in ("r", "alpha", "a", "b"):
        assert getattr(bg, name) == pytest.approx(PUBLISHED[name], rel=0.01)
    for name in ("p", "q", "v"):
        assert getattr(gg, name) == pytest.approx(PUBLISHED[name], rel=0.01)
