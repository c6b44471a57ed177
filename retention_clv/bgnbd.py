"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way") and MBG/NBD
(Batislam, Denizel & Filiztekin 2007, "Empirical validation and comparison of models for
customer base analysis"), one likelihood class with a ``modified`` switch.

Time is in whatever unit x, t_x and T are given in; the project uses days.

Per customer: x = repeat purchases (distinct purchase days - 1), t_x = time of the last
purchase since the first, T = time from the first purchase to the end of observation.

Both models: while alive, purchases follow a Poisson process of rate lambda ~ Gamma(r, alpha);
at each drop-out opportunity the customer leaves with probability p ~ Beta(a, b). BG/NBD's
opportunities are the repeat purchases; MBG/NBD adds one at time 0 (right after the first
purchase), so that a one-time buyer is not certain to be alive. With delta = 0 (BG/NBD) or
1 (MBG/NBD), the log-likelihood of one customer (FHL 2005, eq. 6, and BDF 2007, in the
numerically stable log form of the ``lifetimes`` package) is

    A1 = lnG(r + x) - lnG(r) + r ln(alpha)
    A2 = lnB(a, b + x + delta) - lnB(a, b)
    A3 = -(r + x) ln(alpha + T)
    A4 = ln(a) - ln(b + x + delta - 1) - (r + x) ln(alpha + t_x)     (BG/NBD: x > 0 only)
    LL = A1 + A2 + ln(e^A3 + e^A4)

Two nested variants (rules section 9.2b) are fitted beside this ``full`` model, for data that do
not identify all four parameters:

- ``homogeneous_dropout`` (r, alpha, theta): every customer drops out with the same probability
  theta at each opportunity, the limit b -> infinity with a / (a + b) -> theta. With the dropout
  odds rho = theta / (1 - theta) and E(u) = (alpha + u)^-(r + x):
  LL = A1 - (x + delta) ln(1 + rho) + ln(E(T) + [x > 0 or delta = 1] rho E(t_x));
- ``no_dropout`` (r, alpha; the NBD): nobody drops out, LL = A1 + A3.

``fit_variants`` fits all three and publishes the lowest AIC = 2k - 2 LL among those whose
maximum is not at a parameter limit (a tie goes to the simpler variant).

The fit maximises the sum over customers in log-parameter space. Customers with identical
(x, t_x, T) contribute identical terms, so the sum runs over the unique triples weighted by
their counts; terms that depend on x alone run over the unique x values, and the logarithms of
(alpha + T) and (alpha + t_x) over the unique T and t_x values.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
from scipy import special

from ._optim import (
    LogLikelihood,
    VariantChoice,
    choose_variant,
    compress_rows,
    minimize_log_params,
    unique_inverse,
)
from ._optim import (
    dot as _dot,
)

FULL, HOMOGENEOUS_DROPOUT, NO_DROPOUT = "full", "homogeneous_dropout", "no_dropout"
VARIANTS = (FULL, HOMOGENEOUS_DROPOUT, NO_DROPOUT)
# the optimiser's parameters per variant (homogeneous_dropout: the dropout odds theta / (1 - theta))
VARIANT_PARAMS = {
    FULL: ("r", "alpha", "a", "b"),
    HOMOGENEOUS_DROPOUT: ("r", "alpha", "theta/(1-theta)"),
    NO_DROPOUT: ("r", "alpha"),
}
PARAM_NAMES = VARIANT_PARAMS[FULL]


def model_name(modified: bool) -> str:
    """The model's name in the outputs: 'mbgnbd' or 'bgnbd'."""
    return "mbgnbd" if modified else "bgnbd"


def model_label(modified: bool) -> str:
    """The model's name in human-readable reasons: 'MBG/NBD' or 'BG/NBD'."""
    return "MBG/NBD" if modified else "BG/NBD"


@dataclass(frozen=True)
class BgNbdFit:
    """A BG/NBD or (``modified=True``) MBG/NBD fit of one variant; the parameters are NaN when
    not fitted, a and b also unless ``variant`` is full, ``theta`` (the dropout probability)
    unless it is homogeneous_dropout. ``converged``: the variant's maximum was found inside the
    parameter space (a candidate for publication)."""

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
    modified: bool = False
    variant: str = FULL
    theta: float = float("nan")

    @property
    def params(self) -> tuple[float, float, float, float]:
        """(r, alpha, a, b) of the full model."""
        return (self.r, self.alpha, self.a, self.b)

    @property
    def model(self) -> str:
        return model_name(self.modified)

    @property
    def k(self) -> int:
        """The number of fitted parameters."""
        return len(VARIANT_PARAMS[self.variant])

    @property
    def aic(self) -> float:
        """Akaike's information criterion 2k - 2 LL (NaN when not fitted)."""
        return 2.0 * self.k - 2.0 * self.log_likelihood

    # predictions of this fit (whatever its variant)
    def p_alive(self, x, t_x, T) -> np.ndarray:
        """P(alive at T | x, t_x, T)."""
        x, t_x, T = _as_arrays(x, t_x, T)
        return _p_alive(x, t_x, T, self.r, self.alpha, self._log_odds(x), self.modified)

    def expected_purchases_many(self, horizons, x, t_x, T) -> list[np.ndarray]:
        """Conditional expected purchases in the next t time units, for each t of ``horizons``."""
        x, t_x, T = _as_arrays(x, t_x, T)
        if len(x) == 0:
            return [np.zeros(0) for _ in horizons]
        (ux, uT), _, inv = compress_rows(x, T)
        pa = self.p_alive(x, t_x, T)
        return [pa * self._expected_if_alive(float(t), ux, uT)[inv] for t in horizons]

    def churn_probability(self, horizon, x, t_x, T, alive: np.ndarray | None = None) -> np.ndarray:
        """Model churn: the probability of no purchase in the next ``horizon`` time units."""
        x, t_x, T = _as_arrays(x, t_x, T)
        pa = self.p_alive(x, t_x, T) if alive is None else alive
        return _churn(horizon, x, T, self.r, self.alpha, pa)

    def _log_odds(self, x: np.ndarray) -> np.ndarray:
        """ln of the odds term of P(alive): a / (b + x + delta - 1) (full), theta / (1 - theta)
        (homogeneous_dropout) or 0 (no_dropout)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.variant == FULL:
                return np.log(self.a) - np.log(self.b + x + (1.0 if self.modified else 0.0) - 1.0)
            if self.variant == HOMOGENEOUS_DROPOUT:
                return np.full(len(x), np.log(self.theta) - np.log1p(-self.theta))
        return np.full(len(x), -np.inf)

    def _expected_if_alive(self, t: float, x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """E[purchases in (T, T + t] | alive at T, x, T]."""
        r, al = self.r, self.alpha
        if self.variant == FULL:
            return _expected_if_alive(t, x, T, r, al, self.a, self.b, self.modified)
        if self.variant == HOMOGENEOUS_DROPOUT:
            # drop-out at rate lambda * theta: E = (1 - E[e^(-lambda theta t)]) / theta with
            # lambda ~ Gamma(r + x, alpha + T)
            th = self.theta
            return -np.expm1((r + x) * np.log1p(-th * t / (al + T + th * t))) / th
        return (r + x) * t / (al + T)


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


class BgNbdLikelihood(LogLikelihood):
    """The BG/NBD (or, with ``modified=True``, MBG/NBD) log-likelihood of a (compressed) data
    set in one of its variants, with its analytic gradient. ``with_variant`` gives the same data
    under another variant without compressing them again."""

    def __init__(
        self,
        x,
        t_x,
        T,
        weights=None,
        *,
        compress: bool = True,
        time_scale: float = 1.0,
        modified: bool = False,
        variant: str = FULL,
    ):
        """``time_scale``: t_x and T are divided by it after compression (the fit is then in
        that unit; alpha scales with it and the log-likelihood shifts by -sum(x) ln(scale)).
        ``weights``: a count per row of data that is already compressed (no compression then)."""
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        x, t_x, T = _as_arrays(x, t_x, T)
        w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
        if compress and weights is None:
            (x, t_x, T), counts, _ = compress_rows(x, t_x, T)
            w = counts.astype(float)
        self.variant = variant
        self.modified = bool(modified)
        self.delta = 1.0 if self.modified else 0.0
        self.n_unique = len(x)
        self.n = float(w.sum())
        self.sum_x = _dot(w, x)
        # terms in x only
        self.xs, inv = unique_inverse(x)
        self.Wx = np.bincount(inv, weights=w, minlength=len(self.xs))
        # BG/NBD, x = 0: only A3 = -r ln(alpha + T). MBG/NBD has the A4 term for every x, so all
        # rows go through the general path (for x = 0, t_x = 0: few unique triples).
        zero = (x == 0) if not self.modified else np.zeros(len(x), dtype=bool)
        self.T0, i0 = unique_inverse(T[zero])
        self.W0 = np.bincount(i0, weights=w[zero], minlength=len(self.T0))
        # the general path: unique triples with index tables into unique T, t_x and x values
        pos = ~zero
        xp, tp, Tp, wp = x[pos], t_x[pos], T[pos], w[pos]
        self.Tv, iT = unique_inverse(Tp)
        self.tv, it = unique_inverse(tp)
        self.xv, ix = unique_inverse(xp)
        itype = np.int32 if len(xp) < 2**31 else np.int64
        self.iT, self.it, self.ix = (i.astype(itype) for i in (iT, it, ix))
        self.xp, self.wp = xp, wp
        # sums of weights and weight * x per unique T, for the terms linear in ln(alpha + T)
        self.WT = np.bincount(self.iT, weights=wp, minlength=len(self.Tv))
        self.WxT = np.bincount(self.iT, weights=wp * xp, minlength=len(self.Tv))
        self.time_scale = float(time_scale)
        if self.time_scale != 1.0:
            self.T0, self.Tv, self.tv = (v / self.time_scale for v in (self.T0, self.Tv, self.tv))

    def with_variant(self, variant: str) -> BgNbdLikelihood:
        """The same data under another variant (the tables are shared, not copied)."""
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        other = copy.copy(self)
        other.variant = variant
        return other

    # ------------------------------------------------------------------------------------------
    def loglik_grad(self, params) -> tuple[float, np.ndarray]:
        """Total log-likelihood and its gradient with respect to the variant's parameters:
        (r, alpha, a, b), (r, alpha, rho) with rho = theta / (1 - theta), or (r, alpha)."""
        params = [float(p) for p in params]
        r, al = params[0], params[1]
        lg, dg = special.gammaln, special.digamma
        xs, Wx, n, dl = self.xs, self.Wx, self.n, self.delta
        # A1 (every variant)
        ll = _dot(Wx, lg(r + xs)) + n * (r * np.log(al) - lg(r))
        g_r = _dot(Wx, dg(r + xs)) + n * (np.log(al) - dg(r))
        g_al = n * r / al
        # A3 = -(r + x) ln(alpha + T) (every variant): BG/NBD's x = 0 rows, then the others
        if len(self.T0):
            L0 = np.log(al + self.T0)
            s = _dot(self.W0, L0)
            ll -= r * s
            g_r -= s
            g_al -= r * (_dot(self.W0, 1.0 / (al + self.T0)))
        if len(self.xp):
            LTv, iTv = np.log(al + self.Tv), 1.0 / (al + self.Tv)
            ll -= r * _dot(self.WT, LTv) + _dot(self.WxT, LTv)
            g_r -= _dot(self.WT, LTv)
            g_al -= r * _dot(self.WT, iTv) + _dot(self.WxT, iTv)
        if self.variant == NO_DROPOUT:
            return float(ll), np.array([g_r, g_al])

        # the drop-out terms: full A2 = ln B(a, b + x + delta) - ln B(a, b); homogeneous
        # -(x + delta) ln(1 + rho); and ln(1 + e^d) with d = A4 - A3 = the log dropout odds
        # ln(a / (b + x + delta - 1)) or ln(rho), plus (r + x) ln((alpha + T) / (alpha + t_x))
        if self.variant == FULL:
            a, b = params[2], params[3]
            dg_ab = dg(a + b)
            dg_abx = dg(a + b + xs + dl)
            ll += _dot(Wx, lg(b + xs + dl) - lg(a + b + xs + dl)) + n * (lg(a + b) - lg(b))
            g_a = _dot(Wx, dg_ab - dg_abx)
            g_b = _dot(Wx, dg_ab + dg(b + xs + dl) - dg(b) - dg_abx)
        else:
            rho = params[2]
            ll -= (self.sum_x + dl * n) * np.log1p(rho)
            g_rho = -(self.sum_x + dl * n) / (1.0 + rho)
        if len(self.xp):
            Ltv, itv = np.log(al + self.tv), 1.0 / (al + self.tv)
            # w4 = e^d / (1 + e^d), the posterior probability that the customer dropped out
            # right after the last purchase
            D = LTv[self.iT]
            D -= Ltv[self.it]  # ln((alpha + T) / (alpha + t_x)) >= 0
            rx = self.xp + r
            d = rx * D
            if self.variant == FULL:
                bx = b + self.xv + (dl - 1.0)
                d += (np.log(a) - np.log(bx))[self.ix]
            else:
                d += np.log(rho)
            sp = _softplus(d)
            ll += _dot(self.wp, sp)
            d -= sp
            w4 = np.exp(d, out=d)
            ww4 = w4
            ww4 *= self.wp
            g_r += _dot(ww4, D)
            if self.variant == FULL:
                g_a += ww4.sum() / a
                g_b -= _dot(ww4, (1.0 / bx)[self.ix])
            else:
                g_rho += ww4.sum() / rho
            ww4 *= rx
            dinv = itv[self.it]
            dinv -= iTv[self.iT]
            g_al -= _dot(ww4, dinv)
        if self.variant == FULL:
            return float(ll), np.array([g_r, g_al, g_a, g_b])
        return float(ll), np.array([g_r, g_al, g_rho])


def _softplus(d: np.ndarray) -> np.ndarray:
    """ln(1 + e^d) without overflow (several times faster than np.logaddexp(0, d))."""
    out = np.abs(d)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(d, 0.0)
    return out


def loglik(
    x,
    t_x,
    T,
    r,
    alpha,
    a=float("nan"),
    b=float("nan"),
    *,
    modified: bool = False,
    variant: str = FULL,
    theta: float = float("nan"),
) -> np.ndarray:
    """Per-customer log-likelihood of a variant (uncompressed, written out as in the rules, for
    checks and small data): full (a, b), homogeneous_dropout (theta) or no_dropout."""
    x, t_x, T = _as_arrays(x, t_x, T)
    lg = special.gammaln
    dl = 1.0 if modified else 0.0
    A1 = lg(r + x) - lg(r) + r * np.log(alpha)
    A3 = -(r + x) * np.log(alpha + T)
    if variant == NO_DROPOUT:
        return A1 + A3
    with np.errstate(divide="ignore", invalid="ignore"):
        if variant == HOMOGENEOUS_DROPOUT:
            # ln((1 - theta)^(x + delta) E(T) + [x > 0 or delta] theta (1 - theta)^(x + delta - 1) E(t_x))
            alive = (x + dl) * np.log1p(-theta) + A3
            gone = np.where(
                (x > 0) | modified,
                np.log(theta) + (x + dl - 1.0) * np.log1p(-theta) - (r + x) * np.log(alpha + t_x),
                -np.inf,
            )
            return A1 + np.logaddexp(alive, gone)
        A2 = special.betaln(a, b + x + dl) - special.betaln(a, b)
        A4 = np.where((x > 0) | modified, np.log(a) - np.log(b + x + dl - 1.0) - (r + x) * np.log(alpha + t_x), -np.inf)
    return A1 + A2 + np.logaddexp(A3, A4)


def _logit(p: float) -> float:
    return float(np.log(p) - np.log1p(-p))


def _starts(lik: BgNbdLikelihood, variant: str, warm: BgNbdFit | None) -> list[list[float]]:
    """Starting points in log-parameters (time in units of lik.time_scale): the simpler
    variant's maximum first when there is one (``warm``), then a few generic points. alpha is
    a time scale: it starts from r / (purchase rate), the rate ~ repeat purchases per unit of
    observed time."""
    total_T = _dot(lik.WT, lik.Tv) + _dot(lik.W0, lik.T0)
    rate = max(lik.sum_x, 1.0) / max(total_T, 1e-9)
    al0 = float(np.log(1.0 / rate))
    generic = [[0.0, al0], [np.log(0.3), al0 + np.log(0.3)], [np.log(3.0), al0 + np.log(3.0)]]
    extra = {
        NO_DROPOUT: [[], [], []],
        HOMOGENEOUS_DROPOUT: [[_logit(0.1)], [_logit(0.3)], [_logit(0.02)]],
        FULL: [[0.0, np.log(3.0)], [np.log(0.5), np.log(2.0)], [np.log(2.0), np.log(10.0)]],
    }[variant]
    starts = [g + e for g, e in zip(generic, extra)]
    if warm is not None and warm.converged:
        r, al = np.log(warm.r), np.log(warm.alpha / lik.time_scale)
        if variant == HOMOGENEOUS_DROPOUT:  # from the NBD: a small dropout probability
            starts.insert(0, [r, al, _logit(0.05)])
        elif variant == FULL:  # from homogeneous dropout: a / (a + b) = theta
            th = min(max(warm.theta, 1e-6), 1 - 1e-6)
            starts.insert(0, [r, al, 0.0, float(np.log((1.0 - th) / th))])
    return starts


def fit_variants(
    x, t_x, T, *, weights=None, modified: bool = False, variants: tuple[str, ...] = VARIANTS
) -> VariantChoice:
    """Maximum-likelihood fits of the ``variants`` of BG/NBD (MBG/NBD with ``modified=True``) and
    the one published: the lowest AIC among the variants whose maximum is inside the parameter
    space, a tie going to the simpler (rules section 9.2b). Each variant starts from the next
    simpler one's maximum (no_dropout, then homogeneous_dropout, then full).

    Identical (x, t_x, T) rows are compressed first (into a canonical order: the fits do not
    depend on row order); ``weights`` (optional) gives a count per row for data that is already
    compressed. Never raises on degenerate data: the fits say ``converged=False`` with a message.
    """
    x, t_x, T = _as_arrays(x, t_x, T)
    validate_summary(x, t_x, T)
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"variants must be among {VARIANTS}, got {unknown}")
    label = model_label(modified)
    nan = float("nan")
    if weights is None:
        (x, t_x, T), counts, _ = compress_rows(x, t_x, T)
        w = counts.astype(float)
    else:
        w = np.asarray(weights, dtype=float).reshape(-1)
        if len(w) != len(x) or np.any(~np.isfinite(w)) or np.any(w < 0):
            raise ValueError("weights must be finite non-negative counts, one per row")
    n = int(round(float(w.sum())))

    def not_fitted(message: str, n_unique: int) -> VariantChoice:
        return choose_variant(
            [BgNbdFit(nan, nan, nan, nan, nan, False, message, n, n_unique, 0, bool(modified), v) for v in variants]
        )

    if n == 0:
        return not_fitted("no customers", 0)
    used = w > 0
    if _dot(w, x) == 0:
        return not_fitted(
            f"no repeat purchases (x = 0 for every customer): {label} is not identifiable", int(used.sum())
        )
    if all(np.ptp(c[used]) == 0 for c in (x, t_x, T)):
        i = int(np.flatnonzero(used)[0])
        return not_fitted(
            f"every customer has the same purchase history (x = {x[i]:g}, t_x = {t_x[i]:g}, "
            f"T = {T[i]:g}): {label} is not identifiable",
            1,
        )
    # fit in units of the mean T (alpha of order 1 whatever the time unit), report in the input unit
    scale = max(float(_dot(w, T) / w.sum()), 1.0)
    data = BgNbdLikelihood(x, t_x, T, w, time_scale=scale, modified=modified)
    fits, warm = {}, None
    for variant in sorted(variants, key=lambda v: len(VARIANT_PARAMS[v])):
        lik = data.with_variant(variant)
        names = VARIANT_PARAMS[variant]
        res = minimize_log_params(
            lik.objective,
            _starts(lik, variant, warm),
            names,
            n_obs=lik.n,
            display_scale=(1.0, scale) + (1.0,) * (len(names) - 2),
        )
        est = np.exp(res.theta)
        r, al = float(est[0]), float(est[1] * scale)
        a = b = theta = nan
        if variant == FULL:
            a, b = float(est[2]), float(est[3])
        elif variant == HOMOGENEOUS_DROPOUT:
            theta = float(est[2] / (1.0 + est[2]))
        ll = float(-res.mean_nll * lik.n - lik.sum_x * np.log(scale))
        fits[variant] = warm = BgNbdFit(
            r, al, a, b, ll, res.converged, res.message, n, lik.n_unique, res.iterations, bool(modified), variant, theta
        )
    return choose_variant([fits[v] for v in variants])


def fit_bgnbd(x, t_x, T, *, weights=None, modified: bool = False, variant: str = FULL) -> BgNbdFit:
    """Maximum-likelihood fit of one variant of BG/NBD (MBG/NBD with ``modified=True``); see
    ``fit_variants`` for the inputs. Never raises on degenerate data."""
    return fit_variants(x, t_x, T, weights=weights, modified=modified, variants=(variant,)).fits[0]


def fit_mbgnbd(x, t_x, T, *, weights=None, variant: str = FULL) -> BgNbdFit:
    """Maximum-likelihood MBG/NBD fit: ``fit_bgnbd(..., modified=True)``."""
    return fit_bgnbd(x, t_x, T, weights=weights, modified=True, variant=variant)


# ---------------------------------------------------------------------------------------------
# Predictions
# ---------------------------------------------------------------------------------------------
def p_alive(x, t_x, T, r, alpha, a, b, *, modified: bool = False) -> np.ndarray:
    """P(alive at T | x, t_x, T) of the full model.

    BG/NBD (Fader, Hardie & Lee 2008, "Computing P(alive) using the BG/NBD model"):
    1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)); a customer can
    only drop out right after a repeat purchase, so p_alive = 1 for every customer with x = 0.

    MBG/NBD: 1 / (1 + a / (b + x) ((alpha + T) / (alpha + t_x))^(r + x)) for every x.
    (The other variants: ``BgNbdFit.p_alive``.)
    """
    return _full(r, alpha, a, b, modified).p_alive(x, t_x, T)


def _p_alive(x, t_x, T, r, alpha, log_odds, modified: bool) -> np.ndarray:
    """1 / (1 + odds * ((alpha + T) / (alpha + t_x))^(r + x)), with the variant's ln(odds)
    (-inf: nobody drops out); BG/NBD: 1 for x = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = log_odds + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    pa = special.expit(-log_ratio)
    return pa if modified else np.where(x > 0, pa, 1.0)


def _expected_if_alive(t, x, T, r, alpha, a, b, modified: bool = False) -> np.ndarray:
    """E[purchases in (T, T + t] | alive at T, x, T] (depends on x and T only).

        (c / (a - 1)) * [1 - ((alpha + T) / (alpha + T + t))^(r + x)
                             * 2F1(r + x, b + x + delta; c; z)],
        c = a + b + x + delta - 1, z = t / (alpha + T + t)       (FHL 2005, eq. 10; BDF 2007)

    with delta = 0 (BG/NBD) or 1 (MBG/NBD). The hypergeometric term is taken through Euler's
    transformation, ((alpha + T)/(alpha + T + t))^(r + x) 2F1(r + x, b + x + delta; c; z)
    = (1 - z)^(a - 1) 2F1(c - r - x, a - 1; c; z), which has no overflow for large x; where
    scipy's hyp2f1 is not finite the untransformed form is used. At a = 1 the formula is 0/0:
    within 5e-7 of it, it is evaluated as the mean of its values at a = 1 -+ 1e-6 (smooth in a;
    error ~1e-10).
    """
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    if abs(a - 1.0) < 5e-7:
        return 0.5 * (
            _expected_if_alive(t, x, T, r, alpha, 1.0 - 1e-6, b, modified)
            + _expected_if_alive(t, x, T, r, alpha, 1.0 + 1e-6, b, modified)
        )
    dl = 1.0 if modified else 0.0
    c = a + b + x + (dl - 1.0)
    z = t / (alpha + T + t)
    log1mz = np.log((alpha + T) / (alpha + T + t))
    with np.errstate(all="ignore"):
        h = np.exp((a - 1.0) * log1mz) * special.hyp2f1(c - r - x, a - 1.0, c, z)
        bad = ~np.isfinite(h)
        if bad.any():
            h_alt = np.exp(
                np.log(special.hyp2f1(r + x[bad], b + x[bad] + dl, c[bad], z[bad])) + (r + x[bad]) * log1mz[bad]
            )
            h[bad] = h_alt
    return c / (a - 1.0) * (1.0 - h)


def _full(r, alpha, a, b, modified: bool) -> BgNbdFit:
    nan = float("nan")
    return BgNbdFit(r, alpha, a, b, nan, True, "given", modified=bool(modified))


def expected_purchases_many(horizons, x, t_x, T, r, alpha, a, b, *, modified: bool = False) -> list[np.ndarray]:
    """``expected_purchases`` for several horizons at once (one compression, one P(alive))."""
    return _full(r, alpha, a, b, modified).expected_purchases_many(horizons, x, t_x, T)


def expected_purchases(t, x, t_x, T, r, alpha, a, b, *, modified: bool = False) -> np.ndarray:
    """Conditional expected number of purchases in the next ``t`` time units (FHL 2005, eq. 10;
    BDF 2007): P(alive) times the expectation for an alive customer. The hypergeometric part
    depends on (x, T) only and is evaluated once per unique pair."""
    return expected_purchases_many([t], x, t_x, T, r, alpha, a, b, modified=modified)[0]


def churn_probability(
    horizon, x, t_x, T, r, alpha, a, b, *, modified: bool = False, alive: np.ndarray | None = None
) -> np.ndarray:
    """Model churn of the full model: the probability of no purchase in the next ``horizon``
    time units,

        1 - p_alive + p_alive * ((alpha + T) / (alpha + T + horizon))^(r + x),

    (dropped out, or alive with no purchase: lambda | x, T ~ Gamma(r + x, alpha + T)).
    ``alive``: p_alive if already computed. (The other variants: ``BgNbdFit.churn_probability``.)"""
    x, t_x, T = _as_arrays(x, t_x, T)
    pa = p_alive(x, t_x, T, r, alpha, a, b, modified=modified) if alive is None else alive
    return _churn(horizon, x, T, r, alpha, pa)


def _churn(horizon, x, T, r, alpha, pa) -> np.ndarray:
    h = float(horizon)
    # P(at least one purchase | alive) = 1 - (1 - s)^(r + x), s = horizon / (alpha + T + horizon)
    buys = -np.expm1((r + x) * np.log1p(-h / (alpha + T + h)))
    return 1.0 - pa * buys


def expected_purchases_new_customer(t, r, alpha, a, b, *, modified: bool = False) -> np.ndarray:
    """Unconditional E[X(t)] for a customer who made a first purchase at time 0:
    BG/NBD (FHL 2005, eq. 9) (a + b - 1) / (a - 1) [1 - (alpha / (alpha + t))^r 2F1(r, b; a + b - 1; z)];
    MBG/NBD (BDF 2007) b / (a - 1) [1 - (alpha / (alpha + t))^r 2F1(r, b + 1; a + b; z)],
    z = t / (alpha + t)."""
    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    if modified:
        return b / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b + 1.0, a + b, z))
    return (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1.0, z))
