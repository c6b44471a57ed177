"""The nested variants of rules section 9.2b: full, homogeneous_dropout and no_dropout for
MBG/NBD and BG/NBD, full and geometric for sBG. Their log-likelihoods against direct numerical
integration, their gradients against finite differences, their closed-form predictions against
integration and against the limits they are of, recovery of simulated parameters, and the
choice by AIC (lowest wins, a tie goes to the simpler, a maximum at a limit is no candidate)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, stats

import retention_clv as clv
from conftest import assert_gradient
from retention_clv import _optim, bgnbd, sbg

MODIFIED = [False, True]
IDS = ["bgnbd", "mbgnbd"]
# (x, t_x, T) of a few customers: a one-time buyer, an irregular one, one who bought lately
CUSTOMERS = [(0, 0.0, 30.0), (2, 10.0, 40.0), (5, 35.0, 38.0), (1, 3.0, 60.0)]
R, ALPHA, A, B, THETA = 0.8, 5.0, 0.7, 2.5, 0.15


def _lambda_integral(x, u, r, alpha):
    """int lambda^x e^(-lambda u) Gamma(lambda; r, rate alpha) d lambda, numerically."""
    pdf = stats.gamma(r, scale=1.0 / alpha).pdf
    value, _ = integrate.quad(
        lambda lam: lam**x * np.exp(-lam * u) * pdf(lam), 0, np.inf, epsabs=0, epsrel=1e-11, limit=200
    )
    return value


def _dropout_moments(x, dl, variant):
    """(E[(1 - p)^(x + delta)], E[p (1 - p)^(x + delta - 1)]) over the dropout probability p."""
    if variant == "no_dropout":
        return 1.0, 0.0
    if variant == "homogeneous_dropout":
        return (1 - THETA) ** (x + dl), THETA * (1 - THETA) ** (x + dl - 1)
    pdf = stats.beta(A, B).pdf
    alive, _ = integrate.quad(lambda p: (1 - p) ** (x + dl) * pdf(p), 0, 1, epsabs=0, epsrel=1e-11)
    gone, _ = integrate.quad(lambda p: p * (1 - p) ** (x + dl - 1) * pdf(p), 0, 1, epsabs=0, epsrel=1e-11)
    return alive, gone


@pytest.mark.parametrize("variant", bgnbd.VARIANTS)
@pytest.mark.parametrize("modified", MODIFIED, ids=IDS)
def test_log_likelihood_matches_numerical_integration_over_lambda(modified, variant):
    # the individual-level likelihood: alive throughout (no drop-out at any of the x + delta
    # opportunities) lambda^x e^(-lambda T), or gone right after the last purchase (BG/NBD: only
    # when x > 0) lambda^x e^(-lambda t_x); averaged over lambda ~ Gamma(r, alpha) by quad and
    # over p by the beta moments (also by quad)
    dl = 1 if modified else 0
    for x, t_x, T in CUSTOMERS:
        alive, gone = _dropout_moments(x, dl, variant)
        if x == 0 and not modified:
            gone = 0.0
        direct = alive * _lambda_integral(x, T, R, ALPHA) + gone * _lambda_integral(x, t_x, R, ALPHA)
        closed = bgnbd.loglik([x], [t_x], [T], R, ALPHA, A, B, modified=modified, variant=variant, theta=THETA)[0]
        assert closed == pytest.approx(np.log(direct), abs=1e-9), (x, t_x, T)


@pytest.fixture(scope="module")
def sample():
    return clv.simulate(3000, seed=11)


def _params(variant):
    return {"full": (R, ALPHA, A, B), "homogeneous_dropout": (R, ALPHA, THETA / (1 - THETA)), "no_dropout": (R, ALPHA)}[
        variant
    ]


@pytest.mark.parametrize("variant", ["homogeneous_dropout", "no_dropout"])
@pytest.mark.parametrize("modified", MODIFIED, ids=IDS)
def test_gradient_matches_finite_differences(sample, modified, variant):
    lik = bgnbd.BgNbdLikelihood(sample["x"], sample["t_x"], sample["T"], modified=modified, variant=variant)
    for params in (_params(variant), (2.0, 40.0, 0.02)[: len(_params(variant))]):
        assert_gradient(lik, params)


@pytest.mark.parametrize("variant", bgnbd.VARIANTS)
@pytest.mark.parametrize("modified", MODIFIED, ids=IDS)
def test_compressed_likelihood_equals_the_per_customer_sum(sample, modified, variant):
    x, t_x, T = sample["x"], sample["t_x"], sample["T"]
    lik = bgnbd.BgNbdLikelihood(x, t_x, T, modified=modified).with_variant(variant)
    assert lik.n_unique < len(x)
    per_customer = bgnbd.loglik(x, t_x, T, R, ALPHA, A, B, modified=modified, variant=variant, theta=THETA)
    assert lik.loglik(_params(variant)) == pytest.approx(per_customer.sum(), rel=1e-12)


def _fit(variant, modified, r=R, alpha=ALPHA, a=A, b=B, theta=THETA):
    return bgnbd.BgNbdFit(r, alpha, a, b, np.nan, True, "given", modified=modified, variant=variant, theta=theta)


@pytest.mark.parametrize("modified", MODIFIED, ids=IDS)
def test_homogeneous_predictions_match_integration_over_the_posterior(modified):
    # alive at T, lambda | x, T ~ Gamma(r + x, alpha + T); the drop-out comes at rate lambda theta,
    # so purchases in the next t days number lambda E[min(Exp(lambda theta), t)] on average
    fit = _fit("homogeneous_dropout", modified)
    t = 90.0
    for x, t_x, T in CUSTOMERS:
        post = stats.gamma(R + x, scale=1.0 / (ALPHA + T)).pdf
        if_alive, _ = integrate.quad(
            lambda lam, post=post: -np.expm1(-lam * THETA * t) / THETA * post(lam), 0, np.inf, epsabs=0, epsrel=1e-11
        )
        # P(alive) is the alive term's share of the likelihood
        dl = 1 if modified else 0
        alive_term = (1 - THETA) ** (x + dl) * _lambda_integral(x, T, R, ALPHA)
        total = np.exp(
            bgnbd.loglik([x], [t_x], [T], R, ALPHA, modified=modified, variant="homogeneous_dropout", theta=THETA)[0]
        )
        pa = fit.p_alive([x], [t_x], [T])[0]
        assert pa == pytest.approx(alive_term / total, rel=1e-9)
        expected = fit.expected_purchases_many([t], [x], [t_x], [T])[0][0]
        assert expected == pytest.approx(pa * if_alive, rel=1e-9)
        silent, _ = integrate.quad(
            lambda lam, post=post: np.exp(-lam * t) * post(lam), 0, np.inf, epsabs=0, epsrel=1e-11
        )
        churn = fit.churn_probability(t, [x], [t_x], [T])[0]
        assert churn == pytest.approx(1 - pa + pa * silent, rel=1e-9)


@pytest.mark.parametrize("modified", MODIFIED, ids=IDS)
def test_each_variant_is_the_limit_of_the_richer_one(sample, modified):
    x, t_x, T = sample["x"], sample["t_x"], sample["T"]
    horizons = [90.0, 365.0]

    def outputs(fit):
        return [
            fit.p_alive(x, t_x, T),
            *fit.expected_purchases_many(horizons, x, t_x, T),
            fit.churn_probability(90.0, x, t_x, T),
        ]

    # b -> infinity with a / (a + b) = theta: full -> homogeneous_dropout
    b = 1e8
    a = THETA * b / (1 - THETA)
    full, homogeneous = _fit("full", modified, a=a, b=b), _fit("homogeneous_dropout", modified)
    for got, want in zip(outputs(full), outputs(homogeneous)):  # (x / b ~ 1e-7 apart)
        assert np.allclose(got, want, rtol=1e-5, atol=1e-9)
    ll_full = bgnbd.loglik(x, t_x, T, R, ALPHA, a, b, modified=modified).sum()
    ll_hom = bgnbd.loglik(x, t_x, T, R, ALPHA, modified=modified, variant="homogeneous_dropout", theta=THETA).sum()
    assert ll_full == pytest.approx(ll_hom, rel=1e-6)
    # theta -> 0: homogeneous_dropout -> no_dropout (p_alive 1, expected (r + x) t / (alpha + T));
    # pointwise only (the odds theta ((alpha + T) / (alpha + t_x))^(r + x) reach 1e66 here)
    nearly = _fit("homogeneous_dropout", modified, theta=1e-200)
    for got, want in zip(outputs(nearly), outputs(_fit("no_dropout", modified))):
        assert np.allclose(got, want, rtol=1e-6, atol=1e-9)
    assert np.allclose(outputs(_fit("no_dropout", modified))[1], (R + x) * 90 / (ALPHA + T))


# ---------------------------------------------------------------------------------------------
# recovery and choice
# ---------------------------------------------------------------------------------------------
SIMULATED = {
    "full": dict(r=0.9, alpha=12.0, a=0.7, b=2.5),
    "homogeneous_dropout": dict(r=0.9, alpha=12.0, dropout_probability=0.08),
    "no_dropout": dict(r=0.9, alpha=12.0),
}


@pytest.mark.parametrize("variant", bgnbd.VARIANTS)
@pytest.mark.parametrize("modified", MODIFIED, ids=IDS)
def test_simulated_variant_is_recovered_and_chosen(modified, variant):
    # the model's own continuous-time summaries (exact draws from the likelihood)
    truth = SIMULATED[variant]
    s = clv.simulate(40_000, seed=5, days=365, discrete=False, modified=modified, variant=variant, **truth)
    choice = bgnbd.fit_variants(s["x"], s["t_x"], s["T"], modified=modified)
    assert choice.chosen is not None and choice.chosen.variant == variant, choice.fits
    fit = choice.chosen
    assert fit.r == pytest.approx(truth["r"], rel=0.08)
    assert fit.alpha == pytest.approx(truth["alpha"], rel=0.1)
    if variant == "full":
        assert fit.a == pytest.approx(truth["a"], rel=0.2) and fit.b == pytest.approx(truth["b"], rel=0.25)
        assert np.isnan(fit.theta)
    elif variant == "homogeneous_dropout":
        assert fit.theta == pytest.approx(truth["dropout_probability"], rel=0.1)
        assert np.isnan(fit.a) and np.isnan(fit.b)
    # every candidate's AIC is 2k - 2 LL, and the chosen one is the lowest (or tied and simpler)
    for f in choice.fits:
        if f.converged:
            assert f.aic == pytest.approx(2 * f.k - 2 * f.log_likelihood)
            assert fit.aic <= f.aic + _optim.AIC_TIE


@pytest.mark.parametrize("modified", MODIFIED, ids=IDS)
def test_one_month_of_history_still_gets_a_fit(modified):
    # a new deployment: 30 days of day-bucketed purchases of 400 customers; the four
    # parameters are not identified, a simpler variant is, and every customer is scored
    s = clv.simulate(400, seed=3, days=30, r=0.9, alpha=12.0, a=0.7, b=2.5, modified=modified)
    assert (s["x"] > 0).any()
    s.insert(0, "organization_id", "new")
    customers, params = clv.score_organizations(s, noncontractual_model="mbgnbd" if modified else "bgnbd")
    row = params.iloc[0]
    assert row["converged"] and row["variant"] in bgnbd.VARIANTS and row["reason"] is None
    assert customers["churn_probability"].notna().all()
    assert (customers["variant"] == row["variant"]).all()


def test_choice_lowest_aic_ties_to_the_simpler_and_skips_limits():
    def fit(variant, k, ll, converged=True):
        return SimpleNamespace(
            variant=variant, k=k, log_likelihood=ll, aic=2 * k - 2 * ll, converged=converged, message="m"
        )

    # full gains exactly 1 in log-likelihood over homogeneous: the same AIC, the simpler wins
    choice = _optim.choose_variant(
        [fit("full", 4, -99.0), fit("homogeneous_dropout", 3, -100.0), fit("no_dropout", 2, -110.0)]
    )
    assert choice.chosen.variant == "homogeneous_dropout"
    # a gain of a little more than 1: full
    choice = _optim.choose_variant(
        [fit("full", 4, -98.99), fit("homogeneous_dropout", 3, -100.0), fit("no_dropout", 2, -110.0)]
    )
    assert choice.chosen.variant == "full"
    # the best AIC at a limit is no candidate
    choice = _optim.choose_variant(
        [fit("full", 4, -50.0, converged=False), fit("homogeneous_dropout", 3, -100.0), fit("no_dropout", 2, -100.9)]
    )
    assert choice.chosen.variant == "no_dropout"
    assert _optim.choose_variant([fit("full", 4, -50.0, converged=False)]).chosen is None


# ---------------------------------------------------------------------------------------------
# sBG: full and geometric
# ---------------------------------------------------------------------------------------------
def test_geometric_log_likelihood_and_closed_form_maximum():
    t = np.array([1, 1, 2, 3, 5, 2, 4])
    lapsed = np.array([True, False, True, False, True, False, False])
    theta = 0.3
    by_hand = (
        np.log(0.3) + 0 + np.log(0.3 * 0.7) + 2 * np.log(0.7) + np.log(0.3 * 0.7**4) + np.log(0.7) + 3 * np.log(0.7)
    )
    assert sbg.loglik_geometric(t, lapsed, theta).sum() == pytest.approx(by_hand, rel=1e-12)
    # the limit of the full model: alpha, beta -> infinity with alpha / (alpha + beta) = theta
    scale = 1e8
    full = sbg.loglik(t, lapsed, theta * scale, (1 - theta) * scale).sum()
    assert full == pytest.approx(by_hand, rel=1e-6)
    fit = sbg.fit_variants(t, lapsed).fit("geometric")
    # 3 lapsed, renewals passed: 0 + 0 + 1 + 2 + 4 + 1 + 3 = 11
    assert fit.theta == pytest.approx(3 / 14, rel=1e-12)
    best = optimize.minimize_scalar(
        lambda th: -sbg.loglik_geometric(t, lapsed, th).sum(),
        bounds=(1e-6, 1 - 1e-6),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert fit.theta == pytest.approx(best.x, abs=1e-6)
    assert fit.log_likelihood == pytest.approx(-best.fun, rel=1e-12)
    assert fit.aic == pytest.approx(2 - 2 * fit.log_likelihood)
    # S(n) = (1 - theta)^n; churn within 2 periods 1 - (1 - theta)^2 for active customers
    assert fit.survival(3) == pytest.approx((11 / 14) ** 3)
    churn = fit.churn_probability(2, t, lapsed)
    assert np.allclose(churn, np.where(lapsed, 1.0, 1 - (11 / 14) ** 2))


@pytest.mark.parametrize("variant", sbg.VARIANTS)
def test_sbg_simulated_variant_is_recovered_and_chosen(variant):
    c = clv.simulate_contracts(20_000, seed=8, max_periods=36, variant=variant, dropout_probability=0.12)
    choice = sbg.fit_variants(c["periods_paid"], c["lapsed"])
    assert choice.chosen is not None and choice.chosen.variant == variant, choice.fits
    if variant == "geometric":
        assert choice.chosen.theta == pytest.approx(0.12, rel=0.05)
    else:
        assert choice.chosen.alpha == pytest.approx(0.704, rel=0.15)
        assert choice.chosen.beta == pytest.approx(1.182, rel=0.15)


def test_published_cohorts_choose_full():
    # Fader & Hardie's cohorts are heterogeneous: retention rises with tenure
    for survivors in ([1000, 869, 743, 653, 593, 551, 517, 491], [1000, 631, 468, 382, 326, 289, 262, 241]):
        t, lapsed, w = [], [], []
        for k in range(1, len(survivors)):
            t.append(k)
            lapsed.append(True)
            w.append(survivors[k - 1] - survivors[k])
        t.append(len(survivors))
        lapsed.append(False)
        w.append(survivors[-1])
        choice = sbg.fit_variants(np.array(t), np.array(lapsed), weights=np.array(w, dtype=float))
        assert choice.chosen.variant == "full"
        assert choice.fit("geometric").converged and choice.fit("geometric").aic > choice.chosen.aic


def test_no_candidate_names_each_variant():
    # everybody lapsed at the first renewal but a few still in their first period: theta = 1
    # is a limit, and nobody has faced a second renewal
    summary = pd.DataFrame(
        {
            "customer_id": range(65),
            "setting": "contractual",
            "periods_paid": 1,
            "lapsed": [True] * 60 + [False] * 5,
            "contract_amount_total": 20.0,
        }
    )
    _, params = clv.score_organizations(summary)
    reason = params.iloc[0]["reason"]
    assert reason.startswith("sBG not fitted: no variant has its maximum inside the parameter space")
    assert "full: no contractual customer has reached a second renewal" in reason
    assert "geometric: every contractual customer lapsed at the first renewal" in reason
