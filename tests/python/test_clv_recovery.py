"""Parameter recovery: data simulated from known BG/NBD and Gamma-Gamma parameters is fitted
back within tolerance."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import retention_clv as clv  # noqa: E402
from retention_clv import _optim, bgnbd, gamma_gamma  # noqa: E402

SPEND = {"p": 6.25, "q": 3.74, "v": 15.44}
BGNBD_SETS = {
    "cdnow": {"r": 0.243, "alpha": 30.9, "a": 0.793, "b": 2.426},
    "frequent": {"r": 1.0, "alpha": 25.0, "a": 0.5, "b": 5.0},
    "loyal": {"r": 2.0, "alpha": 200.0, "a": 2.0, "b": 8.0},
}
N = 60_000


def _standard_errors(objective, params, n):
    """Standard errors of the log-parameters from the observed information."""
    H = _optim.observed_information(objective, np.log(params), n)
    return np.sqrt(np.diag(np.linalg.inv(H)))


@pytest.mark.parametrize("name", list(BGNBD_SETS))
def test_bgnbd_and_gamma_gamma_recover_known_parameters(name):
    truth = BGNBD_SETS[name]
    s = clv.simulate(N, seed=42, discrete=False, **truth, **SPEND)
    fit = clv.fit_bgnbd(s["x"], s["t_x"], s["T"])
    assert fit.converged, fit.message
    lik = bgnbd.BgNbdLikelihood(s["x"], s["t_x"], s["T"])
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


def test_day_bucketed_data_through_summarise_recovers_the_parameters():
    """The project's path: events -> per-day totals -> summary in whole days -> fit. Bucketing
    into days biases the estimates a little (same-day purchases merge, T is whole days)."""
    truth = BGNBD_SETS["cdnow"]
    s, daily = clv.simulate(N, seed=7, return_daily=True, observation_end="2024-12-31",
                            **truth, **SPEND)
    summary = clv.summarise(daily, "2024-12-31")
    assert len(summary) == N
    pd.testing.assert_frame_equal(
        summary[["customer_id", "x", "t_x", "T"]].reset_index(drop=True),
        s[["customer_id", "x", "t_x", "T"]].reset_index(drop=True), check_dtype=False)
    assert np.allclose(summary["m"], s["m"], equal_nan=True)
    customers, params = clv.score_organisation(summary)
    assert params["converged"] and params["reason"] is None, params
    for key, value in {**truth, **SPEND}.items():
        assert params[key] == pytest.approx(value, rel=0.15), key
    assert customers["p_alive"].notna().all() and customers["clv_365d"].notna().all()


def test_simulate_is_seeded_and_sized():
    a = clv.simulate(20_000, seed=3, r=1.0, alpha=25.0, a=0.5, b=5.0)
    b = clv.simulate(20_000, seed=3, r=1.0, alpha=25.0, a=0.5, b=5.0)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["n_purchases"] > 20_000
    assert ((a["t_x"] <= a["T"]) & (a["t_x"] >= 0)).all()
    assert ((a["x"] == 0) == a["m"].isna()).all()
