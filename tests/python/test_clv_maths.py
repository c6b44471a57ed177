"""CLV maths (BG/NBD, MBG/NBD, Gamma-Gamma): analytic gradients against finite differences,
compression, and the closed-form predictions against independent numerical integration and the
posterior they stand for. (sBG: test_clv_sbg.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special, stats

import retention_clv as clv
from conftest import assert_gradient
from retention_clv import _optim, bgnbd, gamma_gamma


@pytest.fixture(scope="module")
def sample():
    s = clv.simulate(3000, seed=11)  # CDNOW-like parameters, whole days
    assert (s["x"] == 0).any() and (s["x"] > 0).any()
    return s


@pytest.mark.parametrize("modified", [False, True], ids=["bgnbd", "mbgnbd"])
@pytest.mark.parametrize(
    "params",
    [
        (0.243, 30.9, 0.793, 2.426),
        (1.5, 5.0, 3.0, 0.4),
        (0.05, 400.0, 0.2, 25.0),
        (4.0, 60.0, 1.0, 1.0),
        (0.525, 43.28, 0.891, 1.614),
    ],
)
def test_bgnbd_gradient_matches_finite_differences(sample, params, modified):
    assert_gradient(bgnbd.BgNbdLikelihood(sample["x"], sample["t_x"], sample["T"], modified=modified), params)


@pytest.mark.parametrize("params", [(6.25, 3.74, 15.44), (1.2, 1.5, 3.0), (20.0, 10.0, 200.0)])
def test_gamma_gamma_gradient_matches_finite_differences(sample, params):
    keep = gamma_gamma.fit_mask(sample["x"], sample["m"])
    assert_gradient(gamma_gamma.GammaGammaLikelihood(sample["x"][keep], sample["m"][keep]), params)


@pytest.mark.parametrize("modified", [False, True], ids=["bgnbd", "mbgnbd"])
def test_compressed_likelihood_equals_the_per_customer_sum(sample, modified):
    params = (0.5, 20.0, 0.7, 3.0)
    x, t_x, T = sample["x"], sample["t_x"], sample["T"]
    compressed = bgnbd.BgNbdLikelihood(x, t_x, T, modified=modified)
    plain = bgnbd.BgNbdLikelihood(x, t_x, T, compress=False, modified=modified)
    assert compressed.n_unique < plain.n_unique == len(x)
    per_customer = bgnbd.loglik(x, t_x, T, *params, modified=modified).sum()
    assert compressed.loglik(params) == pytest.approx(per_customer, rel=1e-12)
    assert plain.loglik(params) == pytest.approx(per_customer, rel=1e-12)
    # a time scale only moves the log-likelihood by -sum(x) ln(scale)
    scaled = bgnbd.BgNbdLikelihood(x, t_x, T, time_scale=50.0, modified=modified)
    r, alpha, a, b = params
    assert scaled.loglik((r, alpha / 50.0, a, b)) - x.sum() * np.log(50.0) == pytest.approx(per_customer, rel=1e-12)
    # weights: passing compressed rows with counts gives the same fit
    (ux, ut, uT), counts, _ = _optim.compress_rows(x, t_x, T)
    f1 = clv.fit_bgnbd(x, t_x, T, modified=modified)
    f2 = clv.fit_bgnbd(ux, ut, uT, weights=counts, modified=modified)
    assert f1.converged and f1.modified == modified
    assert f1.model == ("mbgnbd" if modified else "bgnbd")
    assert np.allclose(f1.params, f2.params, rtol=1e-6)
    assert f1.log_likelihood == pytest.approx(f2.log_likelihood, rel=1e-10)


def test_mbgnbd_likelihood_written_out_for_one_customer():
    """BDF 2007 term by term, for x = 0 and x = 2, against loglik()."""
    r, alpha, a, b = 0.5, 20.0, 0.7, 3.0
    lg, lb = special.gammaln, special.betaln
    for x, t_x, T in [(0, 0, 100), (2, 40, 100)]:
        A1 = lg(r + x) - lg(r) + r * np.log(alpha)
        A2 = lb(a, b + x + 1) - lb(a, b)
        A3 = -(r + x) * np.log(alpha + T)
        A4 = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + t_x)
        want = A1 + A2 + np.log(np.exp(A3) + np.exp(A4))
        assert bgnbd.loglik([x], [t_x], [T], r, alpha, a, b, modified=True)[0] == pytest.approx(want, rel=1e-13)
    # x = 0, by hand: LL = ln[ b/(a+b) (alpha/(alpha+T))^r + a/(a+b) ] (alive with no purchase,
    # or dropped out at the first purchase)
    want = np.log(3.0 / 3.7 * (20.0 / 120.0) ** 0.5 + 0.7 / 3.7)
    assert bgnbd.loglik([0], [0], [100], r, alpha, a, b, modified=True)[0] == pytest.approx(want, rel=1e-13)
    # the probabilities of the possible histories over (0, T] sum to 1: x = 0 is one number; a
    # discrete check of the whole density is in the quadrature test below


def test_unique_inverse_matches_numpy():
    rng = np.random.default_rng(2)
    for v in (
        rng.integers(0, 50, 1000).astype(float),
        rng.integers(0, 10**9, 100).astype(float),
        rng.random(100) * 10,
        np.zeros(0),
        np.array([3.0]),
    ):
        u, inv = _optim.unique_inverse(v)
        u2, inv2 = np.unique(v, return_inverse=True)
        assert np.array_equal(u, u2) and np.array_equal(inv, inv2.reshape(-1))


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


def _expected_if_alive_by_quadrature(t, x, T, r, alpha, a, b, modified=False):
    """E[(1 - e^(-lambda p t)) / p] with lambda ~ Gamma(r + x, alpha + T), p ~ Beta(a, b + x)
    (BG/NBD: x drop-out opportunities survived) or Beta(a, b + x + 1) (MBG/NBD: x + 1)."""
    s, k = t / (alpha + T), r + x
    b_post = b + x + (1 if modified else 0)

    def integrand(p):
        return -np.expm1(-k * np.log1p(p * s)) / p * stats.beta.pdf(p, a, b_post)

    return integrate.quad(integrand, 0, 1, limit=500, epsabs=0, epsrel=1e-11, points=[1e-6, 1e-4, 1e-2])[0]


@pytest.mark.parametrize("modified", [False, True], ids=["bgnbd", "mbgnbd"])
def test_expected_purchases_match_numerical_integration(modified):
    rng = np.random.default_rng(1)
    cases = [
        (0.243, 30.9, 0.793, 2.426, 0, 0),
        (0.243, 30.9, 0.793, 2.426, 29, 266),
        (1.0, 25.0, 1.0, 5.0, 3, 100),
        (1.0, 25.0, 1.0 + 1e-9, 5.0, 3, 100),
        (0.5, 2.0, 5.0, 0.3, 250, 700),
        (3.0, 400.0, 0.1, 40.0, 1, 10),
    ]
    for _ in range(40):
        cases.append(
            (
                np.exp(rng.uniform(-3, 2)),
                np.exp(rng.uniform(-1, 6)),
                np.exp(rng.uniform(-2.5, 2.5)),
                np.exp(rng.uniform(-2, 3)),
                int(rng.integers(0, 300)),
                int(rng.integers(0, 1000)),
            )
        )
    for r, alpha, a, b, x, T in cases:
        for t in (90.0, 365.0):
            got = bgnbd._expected_if_alive(t, np.array([float(x)]), np.array([float(T)]), r, alpha, a, b, modified)[0]
            want = _expected_if_alive_by_quadrature(t, x, T, r, alpha, a, b, modified)
            assert got == pytest.approx(want, rel=1e-8), (r, alpha, a, b, x, T, t)


@pytest.mark.parametrize("modified", [False, True], ids=["bgnbd", "mbgnbd"])
def test_expected_purchases_is_p_alive_times_the_alive_expectation(sample, modified):
    params = (0.243, 30.9, 0.793, 2.426)
    kw = {"modified": modified}
    x, t_x, T = sample["x"], sample["t_x"], sample["T"]
    ep = clv.expected_purchases(90, x, t_x, T, *params, **kw)
    alive = bgnbd._expected_if_alive(90.0, x.to_numpy(float), T.to_numpy(float), *params, modified)
    assert np.allclose(ep, clv.p_alive(x, t_x, T, *params, **kw) * alive, rtol=1e-12)
    # several horizons at once give the same numbers
    e90, e365 = bgnbd.expected_purchases_many([90, 365], x, t_x, T, *params, **kw)
    assert np.array_equal(e90, ep)
    assert np.allclose(e365, clv.expected_purchases(365, x, t_x, T, *params, **kw), rtol=1e-15)
    # a customer who has just made a first purchase: the unconditional E[X(t)] (FHL eq. 9,
    # BDF 2007), in closed form
    assert clv.expected_purchases(90, [0], [0], [0], *params, **kw)[0] == pytest.approx(
        clv.expected_purchases_new_customer(90.0, *params, **kw), rel=1e-10
    )
    # more time, more purchases
    horizon = [clv.expected_purchases(t, [3], [50], [200], *params, **kw)[0] for t in (30, 90, 365, 3650)]
    assert np.all(np.diff(horizon) > 0)


def test_mbgnbd_expected_purchases_by_hand():
    """MBG/NBD with a = 2, b = 1 (so a - 1 = 1), r = 1, alpha = 10, for x = 0, T = t_x = 0 and
    t = 10: z = 10 / 20 = 1/2, D = 10 / 20 = 1/2.
    2F1(1, 1 + 0 + 1; 2 + 1 + 0; 1/2) = 2F1(1, 2; 3; z) = -2 (z + ln(1 - z)) / z^2
        = -2 (0.5 - ln 2) / 0.25 = 8 (ln 2 - 0.5) = 1.5451774445;
    alive expectation = (a + b + x) / (a - 1) (1 - D^(r + x) 2F1) = 3 (1 - 0.5 * 1.5451774)
        = 0.6822338332;
    p_alive = 1 / (1 + a / (b + x)) = 1 / 3; expected = 0.2274112777."""
    hyp = 8 * (np.log(2) - 0.5)
    assert special.hyp2f1(1, 2, 3, 0.5) == pytest.approx(hyp, rel=1e-14)
    alive = 3 * (1 - 0.5 * hyp)
    assert bgnbd._expected_if_alive(10.0, np.array([0.0]), np.array([0.0]), 1.0, 10.0, 2.0, 1.0, True)[
        0
    ] == pytest.approx(alive, rel=1e-12)
    got = clv.expected_purchases(10, [0], [0], [0], 1.0, 10.0, 2.0, 1.0, modified=True)[0]
    assert got == pytest.approx(alive / 3, rel=1e-12) and got == pytest.approx(0.2274112777)
    # the closed form for a new customer: b / (a - 1) (1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; z))
    assert clv.expected_purchases_new_customer(10.0, 1.0, 10.0, 2.0, 1.0, modified=True) == pytest.approx(
        got, rel=1e-12
    )


@pytest.mark.parametrize("modified", [False, True], ids=["bgnbd", "mbgnbd"])
def test_p_alive_is_the_posterior_share_of_the_alive_term(sample, modified):
    params = (0.6, 20.0, 0.9, 3.0)
    x, t_x, T = (sample[c].to_numpy(float) for c in ("x", "t_x", "T"))
    r, alpha, a, b = params
    lg = special.gammaln
    dl = 1 if modified else 0
    alive_term = (
        lg(r + x)
        - lg(r)
        + r * np.log(alpha)
        + special.betaln(a, b + x + dl)
        - special.betaln(a, b)
        - (r + x) * np.log(alpha + T)
    )
    posterior = np.exp(alive_term - bgnbd.loglik(x, t_x, T, *params, modified=modified))
    assert np.allclose(clv.p_alive(x, t_x, T, *params, modified=modified), posterior, rtol=1e-10)


def test_p_alive_and_churn_of_one_time_buyers():
    """BG/NBD: a one-time buyer cannot have dropped out (p_alive = 1); MBG/NBD: he may have left
    right after the first purchase. By hand, r = 1, alpha = 10, a = 1, b = 3, T = 30:
    MBG/NBD p_alive = 1 / (1 + a / b ((alpha + T) / alpha)^r) = 1 / (1 + 1/3 * 4) = 3/7;
    P(no purchase in 90 days | alive) = ((alpha + T) / (alpha + T + 90))^(r + x) = 40/130 = 4/13;
    churn = 1 - 3/7 + 3/7 * 4/13 = 1 - (3/7)(9/13) = 1 - 27/91 = 64/91 = 0.7032967;
    BG/NBD churn = 4/13 (alive for sure)."""
    params = (1.0, 10.0, 1.0, 3.0)
    pa = clv.p_alive([0], [0], [30], *params, modified=True)[0]
    assert pa == pytest.approx(3 / 7, rel=1e-14)
    churn = bgnbd.churn_probability(90, [0], [0], [30], *params, modified=True)[0]
    assert churn == pytest.approx(64 / 91, rel=1e-14)
    assert 0 < churn < 1
    assert clv.p_alive([0], [0], [30], *params)[0] == 1.0
    assert bgnbd.churn_probability(90, [0], [0], [30], *params)[0] == pytest.approx(4 / 13, rel=1e-14)
    # a customer with repeat purchases, x = 2, t_x = 20, T = 30, MBG/NBD:
    # p_alive = 1 / (1 + a / (b + x) ((10 + 30) / (10 + 20))^(r + x)) = 1 / (1 + (1/5)(4/3)^3)
    #         = 1 / (1 + 64/135) = 135/199;
    # churn = 1 - 135/199 (1 - (40/130)^3) = 1 - (135/199)(2133/2197)
    pa2 = 135 / 199
    assert clv.p_alive([2], [20], [30], *params, modified=True)[0] == pytest.approx(pa2, rel=1e-14)
    want = 1 - pa2 * (1 - (4 / 13) ** 3)
    assert bgnbd.churn_probability(90, [2], [20], [30], *params, modified=True)[0] == pytest.approx(want, rel=1e-14)
    # BG/NBD: a / (b + x - 1) = 1/4 instead of 1/5
    assert clv.p_alive([2], [20], [30], *params)[0] == pytest.approx(1 / (1 + 0.25 * 64 / 27))


@pytest.mark.parametrize("modified", [False, True], ids=["bgnbd", "mbgnbd"])
def test_churn_is_one_minus_the_chance_of_a_purchase(sample, modified):
    """churn(H) = P(no purchase in (T, T + H]): by simulation from the posterior for a few
    customers (lambda ~ Gamma(r + x, alpha + T) when alive)."""
    params = (0.6, 20.0, 0.9, 3.0)
    r, alpha, a, b = params
    rng = np.random.default_rng(5)
    for x, t_x, T in [(0, 0, 50), (1, 5, 200), (4, 180, 200)]:
        pa = clv.p_alive([x], [t_x], [T], *params, modified=modified)[0]
        lam = rng.gamma(r + x, 1 / (alpha + T), 400_000)
        alive = rng.random(400_000) < pa
        no_purchase = ~alive | (rng.poisson(lam * 90) == 0)
        got = bgnbd.churn_probability(90, [x], [t_x], [T], *params, modified=modified)[0]
        assert got == pytest.approx(no_purchase.mean(), abs=0.004)
        assert 0 < got < 1
    # the longer the horizon, the less likely an alive customer stays silent: churn falls from
    # 1 (H = 0) towards 1 - p_alive (H -> infinity)
    hs = [bgnbd.churn_probability(h, [1], [5], [200], *params, modified=modified)[0] for h in (0, 30, 90, 365, 1e9)]
    assert hs[0] == 1.0 and np.all(np.diff(hs) < 0)
    assert hs[-1] == pytest.approx(1 - clv.p_alive([1], [5], [200], *params, modified=modified)[0], abs=1e-6)


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
