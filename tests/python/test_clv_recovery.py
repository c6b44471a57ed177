"""Parameter recovery: data simulated from known BG/NBD, MBG/NBD, Gamma-Gamma and sBG
parameters is fitted back within tolerance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import retention_clv as clv
from retention_clv import _optim, bgnbd, gamma_gamma, sbg

SPEND = {"p": 6.25, "q": 3.74, "v": 15.44}
BGNBD_SETS = {
    "cdnow": {"r": 0.243, "alpha": 30.9, "a": 0.793, "b": 2.426},
    "frequent": {"r": 1.0, "alpha": 25.0, "a": 0.5, "b": 5.0},
    "loyal": {"r": 2.0, "alpha": 200.0, "a": 2.0, "b": 8.0},
}
# MBG/NBD's CDNOW estimates (Batislam et al. 2007), for the MBG/NBD runs of the "cdnow" set
MBGNBD_CDNOW = {"r": 0.525, "alpha": 43.28, "a": 0.891, "b": 1.614}
N = 60_000


def _truth(name, modified):
    return MBGNBD_CDNOW if (modified and name == "cdnow") else BGNBD_SETS[name]


def _standard_errors(objective, params, n):
    """Standard errors of the log-parameters from the observed information."""
    H = _optim.observed_information(objective, np.log(params), n)
    return np.sqrt(np.diag(np.linalg.inv(H)))


@pytest.mark.parametrize("modified", [False, True], ids=["bgnbd", "mbgnbd"])
@pytest.mark.parametrize("name", list(BGNBD_SETS))
def test_bgnbd_and_gamma_gamma_recover_known_parameters(name, modified):
    truth = _truth(name, modified)
    s = clv.simulate(N, seed=42, discrete=False, modified=modified, **truth, **SPEND)
    fit = clv.fit_bgnbd(s["x"], s["t_x"], s["T"], modified=modified)
    assert fit.converged, fit.message
    lik = bgnbd.BgNbdLikelihood(s["x"], s["t_x"], s["T"], modified=modified)
    se = _standard_errors(lik.objective, fit.params, lik.n)
    for (key, value), est, err in zip(truth.items(), fit.params, se):
        # within 4 standard errors and within 10%
        assert abs(np.log(est / value)) < 4 * err, (key, est, value, err)
        assert est == pytest.approx(value, rel=0.10), key

    gg = clv.fit_gamma_gamma(s["x"], s["m"])
    assert gg.converged, gg.message
    keep = gamma_gamma.fit_mask(s["x"], s["m"])
    glik = gamma_gamma.GammaGammaLikelihood(s["x"][keep], s["m"][keep])
    se = _standard_errors(glik.objective, gg.params, glik.n)
    for (key, value), est, err in zip(SPEND.items(), gg.params, se):
        assert abs(np.log(est / value)) < 4 * err, (key, est, value, err)
        assert est == pytest.approx(value, rel=0.10), key


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_day_bucketed_data_through_summarize_recovers_the_parameters(model):
    """The project's path: events -> per-day totals -> summary in whole days -> fit. Bucketing
    into days biases the estimates a little (same-day purchases merge, T is whole days)."""
    modified = model == "mbgnbd"
    truth = _truth("cdnow", modified)
    s, daily = clv.simulate(
        N, seed=7, return_daily=True, observation_end="2024-12-31", modified=modified, **truth, **SPEND
    )
    summary = clv.summarize_purchases(daily, "2024-12-31")
    assert len(summary) == N
    pd.testing.assert_frame_equal(
        summary[["customer_id", "x", "t_x", "T"]].reset_index(drop=True),
        s[["customer_id", "x", "t_x", "T"]].reset_index(drop=True),
        check_dtype=False,
    )
    assert np.allclose(summary["m"], s["m"], equal_nan=True)
    customers, params = clv.score_organizations(summary, noncontractual_model=model)
    row = params.iloc[0]
    assert row["converged"] and row["reason"] is None, row
    for key, value in {**truth, **SPEND}.items():
        assert row[key] == pytest.approx(value, rel=0.15), key
    assert customers["p_alive"].notna().all() and customers["clv_365d"].notna().all()


def test_the_models_tell_their_own_data_apart():
    """MBG/NBD data has one-time buyers who left at once: the MBG/NBD fit is better on it, and
    BG/NBD's on BG/NBD data (likelihood ratio, same number of parameters)."""
    truth = BGNBD_SETS["frequent"]
    for modified in (False, True):
        s = clv.simulate(N, seed=5, discrete=False, modified=modified, **truth, **SPEND)
        own = clv.fit_bgnbd(s["x"], s["t_x"], s["T"], modified=modified)
        other = clv.fit_bgnbd(s["x"], s["t_x"], s["T"], modified=not modified)
        assert own.converged and other.converged
        assert own.log_likelihood > other.log_likelihood + 10, modified


SBG_SETS = {"high end": (0.668, 3.806), "regular": (0.704, 1.182), "loyal": (3.0, 30.0)}


@pytest.mark.parametrize("name", list(SBG_SETS))
def test_sbg_recovers_known_parameters(name):
    alpha, beta = SBG_SETS[name]
    c = clv.simulate_contracts(N, alpha=alpha, beta=beta, max_periods=36, seed=9)
    assert 0 < c["lapsed"].mean() < 1
    fit = clv.fit_sbg(c["periods_paid"], c["lapsed"])
    assert fit.converged, fit.message
    assert fit.n_customers == N and fit.n_unique <= 2 * 36
    lik = sbg.SbgLikelihood(c["periods_paid"], c["lapsed"])
    se = _standard_errors(lik.objective, fit.params, lik.n)
    for value, est, err in zip((alpha, beta), fit.params, se):
        assert abs(np.log(est / value)) < 4 * err, (est, value, err)
        assert est == pytest.approx(value, rel=0.10)


def test_simulate_contracts_is_seeded_and_consistent():
    a = clv.simulate_contracts(5000, seed=3)
    pd.testing.assert_frame_equal(a, clv.simulate_contracts(5000, seed=3))
    assert (a["periods_paid"] >= 1).all() and a["lapsed"].dtype == bool
    assert np.allclose(a["contract_amount_total"] / a["periods_paid"] > 0, True)


def test_simulate_is_seeded_and_sized():
    a = clv.simulate(20_000, seed=3, r=1.0, alpha=25.0, a=0.5, b=5.0)
    b = clv.simulate(20_000, seed=3, r=1.0, alpha=25.0, a=0.5, b=5.0)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["n_purchases"] > 20_000
    assert ((a["t_x"] <= a["T"]) & (a["t_x"] >= 0)).all()
    assert ((a["x"] == 0) == a["m"].isna()).all()
