"""CLV maths: analytic gradients against finite differences, compression, and the closed-form
predictions against independent numerical integration."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, special, stats

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import retention_clv as clv  # noqa: E402
from retention_clv import _optim, bgnbd, gamma_gamma  # noqa: E402


@pytest.fixture(scope="module")
def sample():
    s = clv.simulate(3000, seed=11)  # CDNOW-like parameters, whole days
    assert (s["x"] == 0).any() and (s["x"] > 0).any()
    return s


def _central_difference(fun, point, rel_step=1e-6):
    point = np.asarray(point, dtype=float)
    grad = np.empty_like(point)
    for i in range(len(point)):
        h = rel_step * max(abs(point[i]), 1.0)
        e = np.zeros_like(point)
        e[i] = h
        grad[i] = (fun(point + e) - fun(point - e)) / (2 * h)
    return grad


@pytest.mark.parametrize("params", [(0.243, 30.9, 0.793, 2.426), (1.5, 5.0, 3.0, 0.4),
                                    (0.05, 400.0, 0.2, 25.0), (4.0, 60.0, 1.0, 1.0)])
def test_bgnbd_gradient_matches_finite_differences(sample, params):
    lik = bgnbd.BgNbdLikelihood(sample["x"], sample["t_x"], sample["T"])
    _, analytic = lik.loglik_grad(params)
    numeric = _central_difference(lik.loglik, params)
    assert np.allclose(analytic, numeric, rtol=1e-5, atol=1e-4 * np.abs(numeric).max())
    # and in log-parameter space, as the optimiser sees it
    theta = np.log(params)
    _, g_theta = lik.objective(theta)
    numeric_theta = _central_difference(lambda t: lik.objective(t)[0], theta)
    assert np.allclose(g_theta, numeric_theta, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("params", [(6.25, 3.74, 15.44), (1.2, 1.5, 3.0), (20.0, 10.0, 200.0)])
def test_gamma_gamma_gradient_matches_finite_differences(sample, params):
    keep = gamma_gamma.fit_mask(sample["x"], sample["m"])
    lik = gamma_gamma.GammaGammaLikelihood(sample["x"][keep], sample["m"][keep])
    _, analytic = lik.loglik_grad(params)
    numeric = _central_difference(lik.loglik, params)
    assert np.allclose(analytic, numeric, rtol=1e-5, atol=1e-4 * np.abs(numeric).max())
    theta = np.log(params)
    numeric_theta = _central_difference(lambda t: lik.objective(t)[0], theta)
    assert np.allclose(lik.objective(theta)[1], numeric_theta, rtol=1e-5, atol=1e-7)


def test_compressed_likelihood_equals_the_per_customer_sum(sample):
    params = (0.5, 20.0, 0.7, 3.0)
    x, t_x, T = sample["x"], sample["t_x"], sample["T"]
    compressed = bgnbd.BgNbdLikelihood(x, t_x, T)
    plain = bgnbd.BgNbdLikelihood(x, t_x, T, compress=False)
    assert compressed.n_unique < plain.n_unique == len(x)
    per_customer = bgnbd.loglik(x, t_x, T, *params).sum()
    assert compressed.loglik(params) == pytest.approx(per_customer, rel=1e-12)
    assert plain.loglik(params) == pytest.approx(per_customer, rel=1e-12)
    # a time scale only moves the log-likelihood by -sum(x) ln(scale)
    scaled = bgnbd.BgNbdLikelihood(x, t_x, T, time_scale=50.0)
    r, alpha, a, b = params
    assert scaled.loglik((r, alpha / 50.0, a, b)) - x.sum() * np.log(50.0) == \
        pytest.approx(per_customer, rel=1e-12)
    # weights: passing compressed rows with counts gives the same fit
    (ux, ut, uT), counts, _ = _optim.compress_rows(x, t_x, T)
    f1 = clv.fit_bgnbd(x, t_x, T)
    f2 = clv.fit_bgnbd(ux, ut, uT, weights=counts)
    assert np.allclose(f1.params, f2.params, rtol=1e-6)
    assert f1.log_likelihood == pytest.approx(f2.log_likelihood, rel=1e-10)


def test_compress_rows_round_trip():
    rng = np.random.default_rng(0)
    cols = [rng.integers(0, 5, 1000), rng.integers(0, 7, 1000), rng.integers(0, 3, 1000)]
    uniq, counts, inverse = _optim.compress_rows(*cols)
    assert counts.sum() == 1000
    for u, c in zip(uniq, cols):
        assert np.array_equal(u[inverse], c)
    floats = [rng.integers(0, 5, 200) / 7.0, rng.integers(0, 5, 200) / 3.0]
    uniq, counts, inverse = _optim.compress_rows(*floats)
    for u, c in zip(uniq, floats):
        assert np.array_equal(u[inverse], c)


def _expected_if_alive_by_quadrature(t, x, T, r, alpha, a, b):
    """E[(1 - e^(-lambda p t)) / p] with lambda ~ Gamma(r + x, alpha + T), p ~ Beta(a, b + x)."""
    s, k = t / (alpha + T), r + x

    def integrand(p):
        return -np.expm1(-k * np.log1p(p * s)) / p * stats.beta.pdf(p, a, b + x)

    return integrate.quad(integrand, 0, 1, limit=500, epsabs=0, epsrel=1e-11,
                          points=[1e-6, 1e-4, 1e-2])[0]


def test_expected_purchases_match_numerical_integration():
    rng = np.random.default_rng(1)
    cases = [(0.243, 30.9, 0.793, 2.426, 0, 0), (0.243, 30.9, 0.793, 2.426, 29, 266),
             (1.0, 25.0, 1.0, 5.0, 3, 100), (1.0, 25.0, 1.0 + 1e-9, 5.0, 3, 100),
             (0.5, 2.0, 5.0, 0.3, 250, 700), (3.0, 400.0, 0.1, 40.0, 1, 10)]
    for _ in range(40):
        cases.append((np.exp(rng.uniform(-3, 2)), np.exp(rng.uniform(-1, 6)),
                      np.exp(rng.uniform(-2.5, 2.5)), np.exp(rng.uniform(-2, 3)),
                      int(rng.integers(0, 300)), int(rng.integers(0, 1000))))
    for r, alpha, a, b, x, T in cases:
        for t in (90.0, 365.0):
            got = bgnbd._expected_if_alive(t, np.array([float(x)]), np.array([float(T)]),
                                           r, alpha, a, b)[0]
            want = _expected_if_alive_by_quadrature(t, x, T, r, alpha, a, b)
            assert got == pytest.approx(want, rel=1e-8), (r, alpha, a, b, x, T, t)


def test_expected_purchases_is_p_alive_times_the_alive_expectation(sample):
    params = (0.243, 30.9, 0.793, 2.426)
    x, t_x, T = sample["x"], sample["t_x"], sample["T"]
    ep = clv.expected_purchases(90, x, t_x, T, *params)
    alive = bgnbd._expected_if_alive(90.0, x.to_numpy(float), T.to_numpy(float), *params)
    assert np.allclose(ep, clv.p_alive(x, t_x, T, *params) * alive, rtol=1e-12)
    # a customer who has just made a first purchase: the unconditional E[X(t)] (FHL eq. 9)
    assert clv.expected_purchases(90, [0], [0], [0], *params)[0] == \
        pytest.approx(clv.expected_purchases_new_customer(90.0, *params), rel=1e-10)
    # more time, more purchases
    horizon = [clv.expected_purchases(t, [3], [50], [200], *params)[0] for t in (30, 90, 365, 3650)]
    assert np.all(np.diff(horizon) > 0)


def test_p_alive_is_the_posterior_share_of_the_alive_term(sample):
    params = (0.6, 20.0, 0.9, 3.0)
    x, t_x, T = (sample[c].to_numpy(float) for c in ("x", "t_x", "T"))
    r, alpha, a, b = params
    lg = special.gammaln
    alive_term = (lg(r + x) - lg(r) + r * np.log(alpha) + lg(a + b) + lg(b + x) - lg(b)
                  - lg(a + b + x) - (r + x) * np.log(alpha + T))
    posterior = np.exp(alive_term - bgnbd.loglik(x, t_x, T, *params))
    assert np.allclose(clv.p_alive(x, t_x, T, *params), posterior, rtol=1e-10)


def test_expected_avg_value_is_a_weighted_mean():
    p, q, v = 6.25, 3.74, 15.44
    population = p * v / (q - 1)
    x = np.array([0, 1, 5, 50])
    m = np.array([np.nan, 40.0, 10.0, 22.0])
    got = clv.expected_avg_value(x, m, p, q, v)
    weight = p * x / (p * x + q - 1)
    want = (1 - weight) * population + weight * np.nan_to_num(m)
    assert np.allclose(got, want)
    assert got[0] == pytest.approx(population)
    assert np.isnan(clv.expected_avg_value([0], [np.nan], p, 0.9, v)[0])  # q <= 1: no mean
