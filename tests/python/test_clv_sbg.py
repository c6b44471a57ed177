"""The shifted-beta-geometric (sBG) retention model for contractual customers (Fader & Hardie
2007, "How to project customer retention"): hand-worked S(n), P(T = t), expected paid periods
and churn, the analytic gradient, the published cohort fits, and scoring through
score_organizations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import retention_clv as clv
from conftest import assert_gradient
from retention_clv import sbg

# Fader & Hardie (2007), table 1: customers still active after renewals 0..7, of 1,000
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
PUBLISHED = {"high end": (HIGH_END, 0.668, 3.806), "regular": (REGULAR, 0.704, 1.182)}


def cohort(survivors):
    """The cohort as customers: those who left at renewal k (k = 1..7) are lapsed with t = k
    periods paid; the survivors are active with t = 8 (they contribute S(7)).
    Returns (periods_paid, lapsed, count) per group."""
    survivors = np.asarray(survivors, dtype=float)
    left = -np.diff(survivors)
    k = len(survivors) - 1
    t = np.concatenate([np.arange(1, k + 1), [k + 1]]).astype(float)
    lapsed = np.concatenate([np.ones(k, dtype=bool), [False]])
    return t, lapsed, np.concatenate([left, [survivors[-1]]])


def cohort_customers(survivors):
    t, lapsed, w = cohort(survivors)
    return np.repeat(t, w.astype(int)), np.repeat(lapsed, w.astype(int))


# ----------------------------------------------------------------------------------------------
# hand-worked numbers
# ----------------------------------------------------------------------------------------------
def test_survival_and_lapse_probabilities_by_hand():
    # alpha = beta = 1 (theta uniform): B(1, 1 + n) = 1 / (1 + n), B(1, 1) = 1, so
    # S(n) = 1 / (n + 1); P(T = t) = B(2, t) = 1! (t - 1)! / (t + 1)! = 1 / (t (t + 1)).
    assert np.allclose(sbg.survival([0, 1, 2, 3, 9], 1.0, 1.0), [1, 1 / 2, 1 / 3, 1 / 4, 1 / 10], rtol=1e-14)
    assert np.allclose(sbg.p_lapse_at([1, 2, 3], 1.0, 1.0), [1 / 2, 1 / 6, 1 / 12], rtol=1e-14)
    # alpha = 2, beta = 3: B(2, y) = 1 / (y (y + 1)), B(2, 3) = 1/12;
    # S(1) = 12 / (4 * 5) = 0.6, S(2) = 12 / 30 = 0.4, S(3) = 12 / 42 = 2/7;
    # P(T = 1) = B(3, 3) / B(2, 3) = (2! 2! / 5!) * 12 = 12/30 = 0.4 = 1 - S(1);
    # P(T = 2) = S(1) - S(2) = 0.2; P(T = 3) = S(2) - S(3) = 0.4 - 2/7 = 4/35.
    assert np.allclose(sbg.survival([0, 1, 2, 3], 2.0, 3.0), [1, 0.6, 0.4, 2 / 7], rtol=1e-14)
    assert np.allclose(sbg.p_lapse_at([1, 2, 3], 2.0, 3.0), [0.4, 0.2, 4 / 35], rtol=1e-14)
    # the retention rate S(n) / S(n - 1) = (beta + n - 1) / (alpha + beta + n - 1) rises with n
    # (the customers who stay are the loyal ones): 3/5, 4/6, 5/7
    s = sbg.survival(np.arange(4), 2.0, 3.0)
    assert np.allclose(s[1:] / s[:-1], [3 / 5, 4 / 6, 5 / 7], rtol=1e-14)
    # the lapse probabilities and the survivors add up: sum_{t <= n} P(T = t) + S(n) = 1
    for al, be in [(0.668, 3.806), (0.704, 1.182), (5.0, 0.3)]:
        assert sbg.p_lapse_at(np.arange(1, 51), al, be).sum() + sbg.survival(50, al, be) == pytest.approx(
            1.0, rel=1e-12
        )


def test_log_likelihood_by_hand():
    # alpha = 2, beta = 3: one customer lapsed after 1 period, one active after 2 periods paid,
    # one lapsed after 3: ln P(T = 1) + ln S(1) + ln P(T = 3) = ln 0.4 + ln 0.6 + ln(4/35)
    want = np.log(0.4) + np.log(0.6) + np.log(4 / 35)
    t, lapsed = [1, 2, 3], [True, False, True]
    assert sbg.loglik(t, lapsed, 2.0, 3.0).sum() == pytest.approx(want, rel=1e-14)
    assert sbg.SbgLikelihood(t, lapsed).loglik((2.0, 3.0)) == pytest.approx(want, rel=1e-14)
    # an active customer with one period paid has survived no renewal: S(0) = 1, ln = 0
    assert sbg.loglik([1], [False], 2.0, 3.0)[0] == 0.0


def test_expected_periods_and_churn_by_hand():
    # alpha = beta = 1, S(n) = 1 / (n + 1). An active customer with t = 2 periods paid has
    # survived one renewal, S(1) = 1/2.
    # 90 days of 30-day periods: k = 3 renewals,
    #   E = (S(2) + S(3) + S(4)) / S(1) = (1/3 + 1/4 + 1/5) * 2 = 47/30 = 1.5667;
    #   churn = 1 - S(4) / S(1) = 1 - (1/5) * 2 = 3/5.
    # 365 days: k = 12, E = 2 * (1/3 + ... + 1/14) = 2 * (H_14 - 3/2) = 2.6346...
    # A lapsed customer: 0 and churn 1. An active customer with t = 1 (no renewal yet, S(0) = 1):
    #   E = S(1) + S(2) + S(3) = 1/2 + 1/3 + 1/4 = 13/12; churn = 1 - S(3) = 3/4.
    t, lapsed = [2, 2, 1], [False, True, False]
    assert np.allclose(sbg.expected_periods(3, t, lapsed, 1.0, 1.0), [47 / 30, 0, 13 / 12], rtol=1e-14)
    assert np.allclose(sbg.churn_probability(3, t, lapsed, 1.0, 1.0), [3 / 5, 1, 3 / 4], rtol=1e-14)
    # the same through S(n) = B(alpha, beta + n) / B(alpha, beta), for alpha = 2, beta = 3 and
    # t = 3 (S(2) = 0.4): E over 2 renewals = (S(3) + S(4)) / S(2) = (2/7 + 12/56) / 0.4 = 5/4
    assert sbg.expected_periods(2, [3], [False], 2.0, 3.0)[0] == pytest.approx(
        (sbg.survival(3, 2.0, 3.0) + sbg.survival(4, 2.0, 3.0)) / 0.4, rel=1e-14
    )
    assert sbg.expected_periods(2, [3], [False], 2.0, 3.0)[0] == pytest.approx(5 / 4, rel=1e-14)
    h14 = sum(1 / n for n in range(1, 15))
    assert sbg.expected_periods(12, [2], [False], 1.0, 1.0)[0] == pytest.approx(2 * (h14 - 1.5), rel=1e-13)
    assert sbg.periods_in(90, 30) == 3 and sbg.periods_in(365, 30) == 12 and sbg.periods_in(29, 30) == 0
    assert sbg.periods_in(0.3, 0.1) == 3  # rounding: 0.3 / 0.1 = 2.9999999999999996
    # no renewal within the horizon: nothing expected, no churn for an active customer
    assert np.array_equal(sbg.expected_periods(0, t, lapsed, 1.0, 1.0), [0, 0, 0])
    assert np.array_equal(sbg.churn_probability(0, t, lapsed, 1.0, 1.0), [0, 1, 0])
    assert np.array_equal(sbg.p_alive(lapsed), [1, 0, 1])


def test_long_histories_do_not_underflow():
    # S(5000) for a high churn rate is ~1e-300 or below; the ratios are taken in log space
    t = np.array([5000.0, 20000.0])
    e = sbg.expected_periods(12, t, [False, False], 0.5, 0.2)
    churn = sbg.churn_probability(3, t, [False, False], 0.5, 0.2)
    assert np.all(np.isfinite(e)) and np.all((e > 11) & (e < 12))
    assert np.all(np.isfinite(churn)) and np.all((churn > 0) & (churn < 0.01))
    # against the retention-rate recursion S(n) / S(n - 1) = (beta + n - 1) / (alpha + beta + n - 1)
    rates = [(0.2 + n - 1) / (0.5 + 0.2 + n - 1) for n in range(5000, 5003)]
    assert churn[0] == pytest.approx(1 - np.prod(rates), rel=1e-9)


# ----------------------------------------------------------------------------------------------
# likelihood and fit
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("params", [(0.668, 3.806), (0.704, 1.182), (0.05, 40.0), (8.0, 0.3)])
def test_gradient_matches_finite_differences(params):
    c = clv.simulate_contracts(5000, seed=4)
    lik = sbg.SbgLikelihood(c["periods_paid"], c["lapsed"])
    assert lik.n_unique < 60
    assert_gradient(lik, params, rtol=1e-6, atol=1e-5)
    # compressed = the per-customer sum
    assert lik.loglik(params) == pytest.approx(sbg.loglik(c["periods_paid"], c["lapsed"], *params).sum(), rel=1e-12)


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_published_cohorts(name):
    survivors, alpha, beta = PUBLISHED[name]
    t, lapsed, w = cohort(survivors)
    fit = clv.fit_sbg(t, lapsed, weights=w)
    assert fit.converged, fit.message
    assert round(fit.alpha, 3) == alpha and round(fit.beta, 3) == beta  # 3 decimals as published
    assert fit.n_customers == 1000 and fit.n_unique == 8
    # one row per customer gives the same fit
    per_customer = clv.fit_sbg(*cohort_customers(survivors))
    assert per_customer.params == pytest.approx(fit.params, rel=1e-9)
    assert per_customer.log_likelihood == pytest.approx(fit.log_likelihood, rel=1e-12)
    assert fit.log_likelihood == pytest.approx((w * sbg.loglik(t, lapsed, fit.alpha, fit.beta)).sum(), rel=1e-12)
    # the fitted survival curve is close to the observed one over the calibration renewals
    s = 1000 * sbg.survival(np.arange(8), fit.alpha, fit.beta)
    assert np.allclose(s, survivors, rtol=0.04)


def test_published_cohorts_through_score_organizations():
    frames = []
    for org, survivors in (("high end", HIGH_END), ("regular", REGULAR)):
        t, lapsed = cohort_customers(survivors)
        frames.append(
            pd.DataFrame(
                {
                    "organization_id": org,
                    "customer_id": [f"{org}-{i}" for i in range(len(t))],
                    "setting": "contractual",
                    "x": t - 1,
                    "t_x": 30 * (t - 1),
                    "T": 30 * t + 20,
                    "m": np.where(t > 1, 12.0, np.nan),
                    "periods_paid": t.astype(int),
                    "lapsed": lapsed,
                    "contract_amount_total": 12.0 * t,
                }
            )
        )
    summary = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=3)
    customers, params = clv.score_organizations(summary, min_customers=50)
    assert params["model"].tolist() == ["sbg", "sbg"]
    assert params["organization_id"].tolist() == ["high end", "regular"]
    p = params.set_index("organization_id")
    for org, (_, alpha, beta) in PUBLISHED.items():
        assert round(p.loc[org, "sbg_alpha"], 3) == alpha and round(p.loc[org, "sbg_beta"], 3) == beta
        assert p.loc[org, "converged"] and p.loc[org, "reason"] is None
        assert p.loc[org, "customers_fitted"] == 1000
    assert p[["r", "alpha", "a", "b", "p", "q", "v", "gamma_gamma_log_likelihood"]].isna().all().all()

    # the 491 survivors of the high-end cohort: t = 8, active. Independent check through the
    # retention rates r_n = S(n) / S(n - 1) = (beta + n - 1) / (alpha + beta + n - 1):
    # E[paid periods in 90 days] = r_8 + r_8 r_9 + r_8 r_9 r_10, churn = 1 - r_8 r_9 r_10.
    al, be = p.loc["high end", "sbg_alpha"], p.loc["high end", "sbg_beta"]
    rates = np.cumprod([(be + n - 1) / (al + be + n - 1) for n in range(8, 8 + 12)])
    hi = customers[customers["organization_id"] == "high end"]
    alive = hi[~hi["lapsed"].astype(bool)]
    assert len(alive) == 491 and (alive["periods_paid"] == 8).all() and (alive["model"] == "sbg").all()
    assert np.allclose(alive["p_alive"], 1.0)
    assert np.allclose(alive["expected_purchases_90d"], rates[:3].sum(), rtol=1e-12)
    assert np.allclose(alive["expected_purchases_horizon"], rates[:3].sum(), rtol=1e-12)
    assert np.allclose(alive["churn_probability"], 1 - rates[2], rtol=1e-12)
    assert np.allclose(alive["expected_avg_value"], 12.0)  # 12 * 8 paid / 8 periods
    assert np.allclose(alive["clv_365d"], 12.0 * rates.sum(), rtol=1e-12)
    gone = hi[hi["lapsed"].astype(bool)]
    assert len(gone) == 509
    assert (gone["p_alive"] == 0).all() and (gone["churn_probability"] == 1).all()
    assert (gone["expected_purchases_90d"] == 0).all() and (gone["clv_365d"] == 0).all()
    assert np.allclose(gone["expected_avg_value"], 12.0)


def test_contract_period_and_horizons():
    c = clv.simulate_contracts(2000, seed=8)
    c["organization_id"] = "o"
    c["setting"] = "contractual"
    c["x"], c["t_x"], c["T"], c["m"] = 0, 0, 10, np.nan
    customers, params = clv.score_organizations(
        c, contract_period_days=7, churn_horizon_days=30, purchases_horizon_days=60, clv_horizon_days=364
    )
    row = params.iloc[0]
    al, be = row["sbg_alpha"], row["sbg_beta"]
    t, lapsed = c["periods_paid"], c["lapsed"]
    # weekly periods: 60 days = 8 renewals, 30 days = 4, 364 days = 52
    assert np.allclose(customers["expected_purchases_90d"], sbg.expected_periods(8, t, lapsed, al, be))
    assert np.allclose(customers["expected_purchases_horizon"], sbg.expected_periods(4, t, lapsed, al, be))
    assert np.allclose(customers["churn_probability"], sbg.churn_probability(4, t, lapsed, al, be))
    value = c["contract_amount_total"] / t
    assert np.allclose(customers["expected_avg_value"], value)
    assert np.allclose(customers["clv_365d"], sbg.expected_periods(52, t, lapsed, al, be) * value)
    # lapsed as 0/1 numbers, as some warehouses return booleans, gives the same
    c2, p2 = clv.score_organizations(
        c.assign(lapsed=c["lapsed"].astype(int)),
        contract_period_days=7,
        churn_horizon_days=30,
        purchases_horizon_days=60,
        clv_horizon_days=364,
    )
    pd.testing.assert_frame_equal(p2, params)
    pd.testing.assert_frame_equal(c2, customers)
