"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

Time is in whatever unit x, t_x and T are given in; the project uses days.

Per customer: x = repeat purchases (distinct purchase days - 1), t_x = time of the last
purchase since the first, T = time from the first purchase to the end of observation.

Log-likelihood of one customer (FHL 2005, eq. 6, in the numerically stable log form of the
``lifetimes`` package):

    A1 = lnG(r + x) - lnG(r) + r ln(alpha)
    A2 = lnG(a + b) + lnG(b + x) - lnG(b) - lnG(a + b + x)
    A3 = -(r + x) ln(alpha + T)
    A4 = ln(a) - ln(b + x - 1) - (r + x) ln(alpha + t_x)          (x > 0 only)
    LL = A1 + A2 + ln(e^A3 + [x > 0] e^A4)

The fit maximises the sum over customers in log-parameter space. Customers with identical
(x, t_x, T) contribute identical terms, so the sum runs over the unique triples weighted by
their counts; terms that depend on x alone run over the unique x values, and the logarithms of
(alpha + T) and (alpha + t_x) over the unique T and t_x values.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from ._optim import compress_rows, dot as _dot, minimise_log_params

PARAM_NAMES = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class BgNbdFit:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    converged: bool
    message: str
    n_customers: int = 0
    n_unique: int = 0
    iterations: int = 0

    @property
    def params(self) -> tuple[float, float, float, float]:
        return (self.r, self.alpha, self.a, self.b)


def _as_arrays(x, t_x, T):
    x = np.asarray(x, dtype=float).reshape(-1)
    t_x = np.asarray(t_x, dtype=float).reshape(-1)
    T = np.asarray(T, dtype=float).reshape(-1)
    if not (len(x) == len(t_x) == len(T)):
        raise ValueError("x, t_x and T must have the same length")
    return x, t_x, T


def validate_summary(x, t_x, T) -> None:
    """Raise ValueError unless 0 <= t_x <= T, x >= 0 is a whole number and t_x = 0 when x = 0."""
    x, t_x, T = _as_arrays(x, t_x, T)
    bad = ~(np.isfinite(x) & np.isfinite(t_x) & np.isfinite(T))
    if bad.any():
        raise ValueError("x, t_x and T must be finite")
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError("x must be a non-negative whole number")
    if np.any(t_x < 0) or np.any(t_x > T):
        raise ValueError("need 0 <= t_x <= T")
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError("t_x must be 0 for customers with x = 0")


class BgNbdLikelihood:
    """The BG/NBD log-likelihood of a (compressed) data set, with its analytic gradient."""

    def __init__(self, x, t_x, T, weights=None, *, compress: bool = True, time_scale: float = 1.0):
        """``time_scale``: t_x and T are divided by it after compression (the fit is then in
        that unit; alpha scales with it and the log-likelihood shifts by -sum(x) ln(scale))."""
        x, t_x, T = _as_arrays(x, t_x, T)
        w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
        if compress and weights is None:
            (x, t_x, T), counts, _ = compress_rows(x, t_x, T)
            w = counts.astype(float)
        self.n_unique = len(x)
        self.n = float(w.sum())
        self.sum_x = _dot(w, x)
        # terms in x only
        self.xs, inv = np.unique(x, return_inverse=True)
        self.Wx = np.bincount(inv.reshape(-1), weights=w, minlength=len(self.xs))
        # x = 0: only A3 = -r ln(alpha + T)
        zero = x == 0
        self.T0, i0 = np.unique(T[zero], return_inverse=True)
        self.W0 = np.bincount(i0.reshape(-1), weights=w[zero], minlength=len(self.T0))
        # x > 0: unique triples with index tables into unique T, t_x and x values
        pos = ~zero
        xp, tp, Tp, wp = x[pos], t_x[pos], T[pos], w[pos]
        self.Tv, iT = np.unique(Tp, return_inverse=True)
        self.tv, it = np.unique(tp, return_inverse=True)
        self.xv, ix = np.unique(xp, return_inverse=True)
        itype = np.int32 if len(xp) < 2**31 else np.int64
        self.iT, self.it, self.ix = (i.reshape(-1).astype(itype) for i in (iT, it, ix))
        self.xp, self.wp = xp, wp
        # sums of weights and weight * x per unique T, for the terms linear in ln(alpha + T)
        self.WT = np.bincount(self.iT, weights=wp, minlength=len(self.Tv))
        self.WxT = np.bincount(self.iT, weights=wp * xp, minlength=len(self.Tv))
        self.time_scale = float(time_scale)
        if self.time_scale != 1.0:
            self.T0, self.Tv, self.tv = (v / self.time_scale for v in (self.T0, self.Tv, self.tv))

    # ------------------------------------------------------------------------------------------
    def loglik_grad(self, params) -> tuple[float, np.ndarray]:
        """Total log-likelihood and its gradient with respect to (r, alpha, a, b)."""
        r, al, a, b = (float(p) for p in params)
        lg, dg = special.gammaln, special.digamma
        xs, Wx, n = self.xs, self.Wx, self.n
        dg_ab = dg(a + b)
        dg_abx = dg(a + b + xs)
        ll = (_dot(Wx, lg(r + xs) + lg(b + xs) - lg(a + b + xs))
              + n * (r * np.log(al) - lg(r) + lg(a + b) - lg(b)))
        g_r = _dot(Wx, dg(r + xs)) + n * (np.log(al) - dg(r))
        g_al = n * r / al
        g_a = _dot(Wx, dg_ab - dg_abx)
        g_b = _dot(Wx, dg_ab + dg(b + xs) - dg(b) - dg_abx)

        if len(self.T0):
            L0 = np.log(al + self.T0)
            s = _dot(self.W0, L0)
            ll -= r * s
            g_r -= s
            g_al -= r * (_dot(self.W0, 1.0 / (al + self.T0)))

        if len(self.xp):
            LTv, Ltv = np.log(al + self.Tv), np.log(al + self.tv)
            iTv, itv = 1.0 / (al + self.Tv), 1.0 / (al + self.tv)
            # the A3 part, on the unique-T table
            ll -= r * _dot(self.WT, LTv) + _dot(self.WxT, LTv)
            g_r -= _dot(self.WT, LTv)
            g_al -= r * _dot(self.WT, iTv) + _dot(self.WxT, iTv)
            # ln(1 + e^d), d = A4 - A3, and w4 = e^d / (1 + e^d), the posterior probability
            # that the customer dropped out right after the last purchase
            D = LTv[self.iT]
            D -= Ltv[self.it]                      # ln((alpha + T) / (alpha + t_x)) >= 0
            rx = self.xp + r
            d = rx * D
            d += (np.log(a) - np.log(b + self.xv - 1.0))[self.ix]
            sp = _softplus(d)
            ll += _dot(self.wp, sp)
            d -= sp
            w4 = np.exp(d, out=d)
            ww4 = w4
            ww4 *= self.wp
            g_r += _dot(ww4, D)
            g_a += ww4.sum() / a
            g_b -= _dot(ww4, (1.0 / (b + self.xv - 1.0))[self.ix])
            ww4 *= rx
            dinv = itv[self.it]
            dinv -= iTv[self.iT]
            g_al -= _dot(ww4, dinv)
        return float(ll), np.array([g_r, g_al, g_a, g_b])

    def loglik(self, params) -> float:
        return self.loglik_grad(params)[0]

    def objective(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean negative log-likelihood and gradient in log-parameter space."""
        params = np.exp(theta)
        ll, g = self.loglik_grad(params)
        return -ll / self.n, -(g * params) / self.n


def _softplus(d: np.ndarray) -> np.ndarray:
    """ln(1 + e^d) without overflow (several times faster than np.logaddexp(0, d))."""
    out = np.abs(d)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(d, 0.0)
    return out


def loglik(x, t_x, T, r, alpha, a, b) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (uncompressed, for checks and small data)."""
    x, t_x, T = _as_arrays(x, t_x, T)
    lg = special.gammaln
    A1 = lg(r + x) - lg(r) + r * np.log(alpha)
    A2 = lg(a + b) + lg(b + x) - lg(b) - lg(a + b + x)
    A3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        A4 = np.where(x > 0, np.log(a) - np.log(b + x - 1.0) - (r + x) * np.log(alpha + t_x), -np.inf)
    return A1 + A2 + np.logaddexp(A3, A4)


def _starts(lik: BgNbdLikelihood) -> list[list[float]]:
    # alpha is a time scale: start from r / (purchase rate) with the rate ~ repeat purchases per
    # unit of observed time; then a few generic restarts.
    total_T = _dot(lik.WT, lik.Tv) + _dot(lik.W0, lik.T0)
    rate = max(lik.sum_x, 1.0) / max(total_T, 1e-9)
    al0 = float(np.log(1.0 / rate))
    return [
        [0.0, al0, 0.0, np.log(3.0)],
        [np.log(0.3), al0 + np.log(0.3), np.log(0.5), np.log(2.0)],
        [np.log(3.0), al0 + np.log(3.0), np.log(2.0), np.log(10.0)],
    ]


def fit_bgnbd(x, t_x, T, *, weights=None) -> BgNbdFit:
    """Maximum-likelihood BG/NBD fit; identical (x, t_x, T) rows are compressed first.

    ``weights`` (optional) gives a count per row for data that is already compressed.
    Never raises on degenerate data: the result says ``converged=False`` with a message.
    """
    x, t_x, T = _as_arrays(x, t_x, T)
    validate_summary(x, t_x, T)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    # fit in units of the mean T (alpha of order 1 whatever the time unit), report in the input unit
    scale = max(float(_dot(w, T) / w.sum()), 1.0) if len(x) else 1.0
    lik = BgNbdLikelihood(x, t_x, T, weights, time_scale=scale)
    n = int(round(lik.n))
    nan = float("nan")
    if n == 0:
        return BgNbdFit(nan, nan, nan, nan, nan, False, "no customers", 0, 0, 0)
    if lik.sum_x == 0:
        return BgNbdFit(nan, nan, nan, nan, nan, False,
                        "no repeat purchases (x = 0 for every customer): BG/NBD is not identifiable",
                        n, lik.n_unique, 0)
    res = minimise_log_params(lik.objective, _starts(lik), PARAM_NAMES, n_obs=lik.n,
                              display_scale=(1.0, scale, 1.0, 1.0))
    r, al, a, b = np.exp(res.theta)
    ll = -res.mean_nll * lik.n - lik.sum_x * np.log(scale)
    return BgNbdFit(float(r), float(al * scale), float(a), float(b), float(ll),
                    res.converged, res.message, n, lik.n_unique, res.iterations)


# ---------------------------------------------------------------------------------------------
# Predictions
# ---------------------------------------------------------------------------------------------
def p_alive(x, t_x, T, r, alpha, a, b) -> np.ndarray:
    """P(alive at T | x, t_x, T) (Fader, Hardie & Lee 2008, "Computing P(alive) using the BG/NBD
    model"): 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)).

    Note: under BG/NBD a customer can only drop out right after a repeat purchase, so
    p_alive = 1 for every customer with x = 0.
    """
    x, t_x, T = _as_arrays(x, t_x, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = (np.log(a) - np.log(b + x - 1.0)
                     + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
    return np.where(x > 0, special.expit(-log_ratio), 1.0)


def _expected_if_alive(t, x, T, r, alpha, a, b) -> np.ndarray:
    """E[purchases in (T, T + t] | alive at T, x, T] (depends on x and T only).

        (a + b + x - 1) / (a - 1) * [1 - ((alpha + T) / (alpha + T + t))^(r + x)
                                         * 2F1(r + x, b + x; a + b + x - 1; z)],
        z = t / (alpha + T + t)                                       (FHL 2005, eq. 10)

    The hypergeometric term is taken through Euler's transformation,
    ((alpha + T)/(alpha + T + t))^(r + x) 2F1(r+x, b+x; c; z) = (1 - z)^(a - 1) 2F1(c - r - x, a - 1; c; z),
    c = a + b + x - 1, which has no overflow for large x; where scipy's hyp2f1 is not finite the
    untransformed form is used. At a = 1 the formula is 0/0: within 5e-7 of it, it is evaluated as
    the mean of its values at a = 1 -+ 1e-6 (smooth in a; error ~1e-10).
    """
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    if abs(a - 1.0) < 5e-7:
        return 0.5 * (_expected_if_alive(t, x, T, r, alpha, 1.0 - 1e-6, b)
                      + _expected_if_alive(t, x, T, r, alpha, 1.0 + 1e-6, b))
    c = a + b + x - 1.0
    z = t / (alpha + T + t)
    log1mz = np.log((alpha + T) / (alpha + T + t))
    with np.errstate(all="ignore"):
        h = np.exp((a - 1.0) * log1mz) * special.hyp2f1(c - r - x, a - 1.0, c, z)
        bad = ~np.isfinite(h)
        if bad.any():
            h_alt = np.exp(np.log(special.hyp2f1(r + x[bad], b + x[bad], c[bad], z[bad]))
                           + (r + x[bad]) * log1mz[bad])
            h[bad] = h_alt
    return c / (a - 1.0) * (1.0 - h)


def expected_purchases(t, x, t_x, T, r, alpha, a, b) -> np.ndarray:
    """Conditional expected number of purchases in the next ``t`` time units (FHL 2005, eq. 10):
    P(alive) times the expectation for an alive customer. The hypergeometric part depends on
    (x, T) only and is evaluated once per unique pair."""
    x, t_x, T = _as_arrays(x, t_x, T)
    if len(x) == 0:
        return np.zeros(0)
    (ux, uT), _, inv = compress_rows(x, T)
    g = _expected_if_alive(float(t), ux, uT, r, alpha, a, b)[inv]
    return p_alive(x, t_x, T, r, alpha, a, b) * g


def expected_purchases_new_customer(t, r, alpha, a, b) -> np.ndarray:
    """Unconditional E[X(t)] for a customer who made a first purchase at time 0 (FHL 2005, eq. 9)."""
    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    return (a + b - 1.0) / (a - 1.0) * (
        1.0 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1.0, z))
