"""Shifted-beta-geometric (sBG) retention model for contractual customers (Fader & Hardie 2007,
"How to project customer retention", Journal of Interactive Marketing 21(1)).

Customers pay for one period at a time (the project's period is ``contract_period_days``, 30
days) and renew at the end of each period. At every renewal a customer leaves with
probability theta, the same for all of his renewals; across customers theta ~ Beta(alpha, beta).
With t = periods paid (t >= 1):

    S(n)     = P(still a customer after n renewals) = B(alpha, beta + n) / B(alpha, beta)
    P(T = t) = P(leaves at renewal t, after paying t periods) = B(alpha + 1, beta + t - 1) / B(alpha, beta)

A lapsed customer (one who did not renew at renewal t) contributes ln P(T = t), a customer
still active contributes ln S(t - 1) (he survived t - 1 renewals). The log-likelihood of an
organisation is the sum, over the unique (t, lapsed) pairs weighted by their counts, maximised
in log-parameter space with the analytic gradient (digamma). Everything is computed in log space
(betaln), so long histories do not underflow.

The nested ``geometric`` variant (rules section 9.2b) has one parameter: every customer leaves
with the same probability theta at each renewal, S(n) = (1 - theta)^n (the limit alpha, beta ->
infinity with alpha / (alpha + beta) -> theta). Its maximum is closed-form: theta = L / (L + sum
(t - 1)), L the lapsed customers. ``fit_variants`` fits both and publishes the lower AIC = 2k -
2 LL among those whose maximum is inside the parameter space (a tie goes to geometric).

Predictions for a customer with t periods paid: p_alive = 0 when lapsed, else 1; expected paid
periods in the next k periods = sum_{j=1..k} S(t - 1 + j) / S(t - 1) (0 when lapsed); churn
within k periods = 1 when lapsed, else 1 - S(t - 1 + k) / S(t - 1). The ratios are products of
the retention rates S(n) / S(n - 1) = (beta + n - 1) / (alpha + beta + n - 1), summed in log
space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from ._optim import LogLikelihood, VariantChoice, choose_variant, compress_rows, minimize_log_params
from ._optim import dot as _dot

PARAM_NAMES = ("alpha", "beta")
MODEL_NAME = "sbg"
FULL, GEOMETRIC = "full", "geometric"
VARIANTS = (FULL, GEOMETRIC)


@dataclass(frozen=True)
class SbgFit:
    """An sBG fit of one variant: full (alpha, beta; NaN when not fitted) or geometric (theta,
    the probability of leaving at each renewal). ``converged``: the variant's maximum was found
    inside the parameter space (a candidate for publication)."""

    alpha: float
    beta: float
    log_likelihood: float
    converged: bool
    message: str
    n_customers: int = 0
    n_unique: int = 0
    iterations: int = 0
    variant: str = FULL
    theta: float = float("nan")

    @property
    def params(self) -> tuple[float, float]:
        return (self.alpha, self.beta)

    @property
    def k(self) -> int:
        return 2 if self.variant == FULL else 1

    @property
    def aic(self) -> float:
        return 2.0 * self.k - 2.0 * self.log_likelihood

    def expected_periods(self, n_periods: int, periods_paid, lapsed) -> np.ndarray:
        return expected_periods(n_periods, periods_paid, lapsed, self.alpha, self.beta, theta=self._theta())

    def churn_probability(self, n_periods: int, periods_paid, lapsed) -> np.ndarray:
        return churn_probability(n_periods, periods_paid, lapsed, self.alpha, self.beta, theta=self._theta())

    def survival(self, n) -> np.ndarray:
        """S(n) of this fit."""
        if self.variant == GEOMETRIC:
            return np.exp(np.asarray(n, dtype=float) * np.log1p(-self.theta))
        return survival(n, self.alpha, self.beta)

    def _theta(self) -> float | None:
        return self.theta if self.variant == GEOMETRIC else None


def _as_arrays(periods_paid, lapsed):
    t = np.asarray(periods_paid, dtype=float).reshape(-1)
    lapsed = np.asarray(lapsed).reshape(-1)
    if len(t) != len(lapsed):
        raise ValueError("periods_paid and lapsed must have the same length")
    if lapsed.dtype != bool:
        lap = np.asarray(lapsed, dtype=float)
        if np.any(~np.isin(lap, (0.0, 1.0))):
            raise ValueError("lapsed must be true or false")
        lapsed = lap == 1.0
    return t, lapsed


def validate_periods(periods_paid, lapsed) -> None:
    """Raise ValueError unless periods_paid is a whole number >= 1 and lapsed is boolean."""
    t, _ = _as_arrays(periods_paid, lapsed)
    if np.any(~np.isfinite(t)) or np.any(t < 1) or np.any(t != np.floor(t)):
        raise ValueError("periods_paid must be a whole number >= 1")


def log_survival(n, alpha, beta) -> np.ndarray:
    """ln S(n) = ln B(alpha, beta + n) - ln B(alpha, beta)."""
    n = np.asarray(n, dtype=float)
    return special.betaln(alpha, beta + n) - special.betaln(alpha, beta)


def survival(n, alpha, beta) -> np.ndarray:
    """S(n): the probability that a new customer is still a customer after n renewals."""
    return np.exp(log_survival(n, alpha, beta))


def p_lapse_at(t, alpha, beta) -> np.ndarray:
    """P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta): a new customer pays exactly t
    periods (leaves at renewal t), t >= 1."""
    t = np.asarray(t, dtype=float)
    return np.exp(special.betaln(alpha + 1.0, beta + t - 1.0) - special.betaln(alpha, beta))


def loglik(periods_paid, lapsed, alpha, beta) -> np.ndarray:
    """Per-customer sBG log-likelihood (uncompressed, for checks)."""
    t, lapsed = _as_arrays(periods_paid, lapsed)
    return np.where(lapsed, np.log(p_lapse_at(t, alpha, beta)), log_survival(t - 1.0, alpha, beta))


class SbgLikelihood(LogLikelihood):
    """The sBG log-likelihood of the (t, lapsed) pairs, compressed, with its analytic gradient."""

    def __init__(self, periods_paid, lapsed, weights=None):
        t, lapsed = _as_arrays(periods_paid, lapsed)
        if weights is None:
            (t, lap), counts, _ = compress_rows(t, lapsed.astype(float))
            w, lapsed = counts.astype(float), lap == 1.0
        else:
            w = np.asarray(weights, dtype=float).reshape(-1)
        self.n = float(w.sum())
        self.n_unique = len(t)
        # lapsed: ln B(alpha + 1, beta + t - 1); active: ln B(alpha, beta + t - 1); both minus
        # ln B(alpha, beta)
        self.tl, self.wl = t[lapsed] - 1.0, w[lapsed]
        self.ta, self.wa = t[~lapsed] - 1.0, w[~lapsed]

    def loglik_grad(self, params) -> tuple[float, np.ndarray]:
        al, be = (float(p) for p in params)
        dg = special.digamma
        n, tl, wl, ta, wa = self.n, self.tl, self.wl, self.ta, self.wa
        # d/dx ln B(x, y) = psi(x) - psi(x + y), d/dy ln B(x, y) = psi(y) - psi(x + y)
        ll = -n * special.betaln(al, be)
        g_al = -n * (dg(al) - dg(al + be))
        g_be = -n * (dg(be) - dg(al + be))
        if len(tl):
            s = dg(al + be + 1.0 + tl)
            ll += _dot(wl, special.betaln(al + 1.0, be + tl))
            g_al += _dot(wl, dg(al + 1.0) - s)
            g_be += _dot(wl, dg(be + tl) - s)
        if len(ta):
            s = dg(al + be + ta)
            ll += _dot(wa, special.betaln(al, be + ta))
            g_al += _dot(wa, dg(al) - s)
            g_be += _dot(wa, dg(be + ta) - s)
        return float(ll), np.array([g_al, g_be])


def loglik_geometric(periods_paid, lapsed, theta) -> np.ndarray:
    """Per-customer log-likelihood of the geometric variant: ln(theta (1 - theta)^(t - 1)) when
    lapsed, ln((1 - theta)^(t - 1)) when active."""
    t, lapsed = _as_arrays(periods_paid, lapsed)
    with np.errstate(divide="ignore"):
        return np.where(lapsed, np.log(theta), 0.0) + (t - 1.0) * np.log1p(-theta)


def fit_variants(periods_paid, lapsed, *, weights=None) -> VariantChoice:
    """Maximum-likelihood fits of sBG's variants, full and geometric, and the one published: the
    lower AIC among those whose maximum is inside the parameter space, a tie going to geometric
    (rules section 9.2b). Identical (periods_paid, lapsed) rows are compressed first; ``weights``
    (optional) gives a count per row for data that is already compressed. Never raises on
    degenerate data: the fits say ``converged=False`` with a message."""
    t, lapsed = _as_arrays(periods_paid, lapsed)
    validate_periods(t, lapsed)
    if weights is None:
        (t, lap), counts, _ = compress_rows(t, lapsed.astype(float))
        w, lapsed = counts.astype(float), lap == 1.0
    else:
        w = np.asarray(weights, dtype=float).reshape(-1)
        if len(w) != len(t) or np.any(~np.isfinite(w)) or np.any(w < 0):
            raise ValueError("weights must be finite non-negative counts, one per row")
    n = int(round(float(w.sum())))
    used = w > 0
    nan = float("nan")

    def not_fitted(message: str, variant: str) -> SbgFit:
        return SbgFit(nan, nan, nan, False, message, n, int(used.sum()), 0, variant)

    def both(message: str) -> VariantChoice:
        return choose_variant([not_fitted(message, v) for v in VARIANTS])

    if n == 0:
        return both("no customers")
    if np.count_nonzero(used) == 1:
        i = int(np.flatnonzero(used)[0])
        return both(
            f"every contractual customer has the same history ({t[i]:g} periods paid, "
            f"{'lapsed' if lapsed[i] else 'active'}): sBG is not identifiable"
        )
    n_lapsed = float(w[lapsed].sum())
    if n_lapsed == 0:
        return both(
            "nobody has lapsed (every contractual customer is still paying): the retention "
            "rate is not identifiable, the maximum is at zero churn"
        )
    # geometric: LL = L ln(theta) + S ln(1 - theta), maximal at theta = L / (L + S)
    renewals = _dot(w, t - 1.0)
    if renewals == 0:
        geometric = not_fitted(
            "every contractual customer lapsed at the first renewal: the maximum is at theta = 1", GEOMETRIC
        )
    else:
        theta = n_lapsed / (n_lapsed + renewals)
        ll = n_lapsed * np.log(theta) + renewals * np.log1p(-theta)
        geometric = SbgFit(nan, nan, float(ll), True, "converged", n, int(used.sum()), 0, GEOMETRIC, float(theta))
    # (alpha, beta) need the retention at two renewals at least: someone must have faced
    # renewal 2 (paid 3 periods or more, or lapsed there)
    if float(w[(t >= 3) | (lapsed & (t == 2))].sum()) == 0:
        full = not_fitted(
            "no contractual customer has reached a second renewal yet: only the retention rate at "
            "the first renewal is known, alpha and beta are not identifiable",
            FULL,
        )
    else:
        lik = SbgLikelihood(t[used], lapsed[used], w[used])
        starts = [[0.0, 0.0], [np.log(0.5), np.log(3.0)], [np.log(5.0), np.log(20.0)]]
        res = minimize_log_params(lik.objective, starts, PARAM_NAMES, n_obs=lik.n)
        al, be = np.exp(res.theta)
        full = SbgFit(
            float(al),
            float(be),
            float(-res.mean_nll * lik.n),
            res.converged,
            res.message,
            n,
            lik.n_unique,
            res.iterations,
            FULL,
        )
    return choose_variant([full, geometric])


def fit_sbg(periods_paid, lapsed, *, weights=None, variant: str = FULL) -> SbgFit:
    """Maximum-likelihood fit of one sBG variant (full by default); see ``fit_variants``."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    return fit_variants(periods_paid, lapsed, weights=weights).fit(variant)


# ---------------------------------------------------------------------------------------------
# Predictions
# ---------------------------------------------------------------------------------------------
def p_alive(lapsed) -> np.ndarray:
    """0 for a lapsed customer, 1 otherwise."""
    lapsed = np.asarray(lapsed).reshape(-1).astype(bool)
    return np.where(lapsed, 0.0, 1.0)


def _log_survival_ratios(
    periods_paid, k_max: int, alpha, beta, theta: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """ln(S(t - 1 + j) / S(t - 1)) for j = 1..k_max, on the unique t values (rows), and the
    inverse index from the customers to them.

    In log space through the retention rates S(n) / S(n - 1) = (beta + n - 1) / (alpha + beta +
    n - 1): a cumulative sum of ln(1 - alpha / (alpha + beta + n - 1)), n = t..t - 1 + j. The
    same as betaln(alpha, beta + t - 1 + j) - betaln(alpha, beta + t - 1), without the
    cancellation of two large, nearly equal betaln values for long histories. ``theta`` given:
    the geometric variant, whose every retention rate is 1 - theta."""
    t = np.asarray(periods_paid, dtype=float).reshape(-1)
    (ut,), _, inv = compress_rows(t)
    n = ut[:, None] + np.arange(k_max, dtype=float)[None, :]  # n = t .. t - 1 + k_max
    if theta is None:
        log_rate = np.log1p(-alpha / (alpha + beta + n - 1.0))
    else:
        log_rate = np.full(n.shape, np.log1p(-theta))
    return np.cumsum(log_rate, axis=1), inv


def expected_periods(n_periods: int, periods_paid, lapsed, alpha, beta, *, theta: float | None = None) -> np.ndarray:
    """Expected paid periods in the next ``n_periods`` renewals: sum_{j=1..n} S(t - 1 + j) /
    S(t - 1) for active customers, 0 for lapsed ones (``theta``: of the geometric variant)."""
    t, lapsed = _as_arrays(periods_paid, lapsed)
    k = int(n_periods)
    if k <= 0 or len(t) == 0:
        return np.zeros(len(t))
    logr, inv = _log_survival_ratios(t, k, alpha, beta, theta)
    return np.where(lapsed, 0.0, np.exp(logr).sum(axis=1)[inv])


def churn_probability(n_periods: int, periods_paid, lapsed, alpha, beta, *, theta: float | None = None) -> np.ndarray:
    """Probability of no paid period in the next ``n_periods`` renewals: 1 when lapsed, else
    1 - S(t - 1 + k) / S(t - 1) (0 when k = 0; ``theta``: of the geometric variant)."""
    t, lapsed = _as_arrays(periods_paid, lapsed)
    k = int(n_periods)
    if len(t) == 0:
        return np.zeros(0)
    if k <= 0:
        return np.where(lapsed, 1.0, 0.0)
    logr, inv = _log_survival_ratios(t, k, alpha, beta, theta)
    return np.where(lapsed, 1.0, -np.expm1(logr[:, -1])[inv])


def periods_in(days: float, contract_period_days: float) -> int:
    """Whole contract periods in ``days``: floor(days / period) (up to rounding)."""
    if not (contract_period_days > 0):
        raise ValueError("contract_period_days must be positive")
    return int(np.floor(days / contract_period_days + 1e-9))
