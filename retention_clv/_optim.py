"""Shared helpers: compression of identical rows and the log-parameter-space optimiser."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize

# Log-parameters are kept inside [-LOG_BOUND, LOG_BOUND] (e^16 ~ 8.9e6; scale parameters are
# fitted on data rescaled to a unit mean, so this only excludes degenerate limits). A parameter
# that ends on that edge is one the data do not identify: the fit is reported as not converged.
LOG_BOUND = 16.0
# Convergence: the Newton decrement g' H^-1 g of the total log-likelihood (twice the remaining
# possible gain, and the squared distance to the maximum in standard errors) must be below this.
NEWTON_TOL = 1e-6
MAX_NEWTON_STEPS = 4
# Identifiability: the observed information (Hessian of the total negative log-likelihood in
# log-parameters) must have every eigenvalue above this, i.e. no direction in which the
# standard error of the log-parameters exceeds 1/sqrt(MIN_INFORMATION) = 10 (a factor e^10).
# A fit that runs along a flat ridge (e.g. a -> 0, b -> infinity when nobody seems to drop out)
# stops with a small gradient but fails this check (and is reported as not converged).
MIN_INFORMATION = 1e-2


class LogLikelihood:
    """Base of the models' likelihoods: subclasses define ``loglik_grad(params)`` (total
    log-likelihood and its gradient) and ``n`` (customers); the fit minimises ``objective``."""

    n: float

    def loglik_grad(self, params) -> tuple[float, np.ndarray]:
        raise NotImplementedError

    def loglik(self, params) -> float:
        return self.loglik_grad(params)[0]

    def objective(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean negative log-likelihood and gradient in log-parameter space."""
        params = np.exp(theta)
        ll, g = self.loglik_grad(params)
        return -ll / self.n, -(g * params) / self.n


@dataclass(frozen=True)
class OptimResult:
    theta: np.ndarray
    mean_nll: float
    converged: bool
    message: str
    iterations: int


def minimize_log_params(
    fun_grad: Callable[[np.ndarray], tuple[float, np.ndarray]],
    starts: Sequence[Sequence[float]],
    names: Sequence[str],
    *,
    n_obs: float = 1.0,
    display_scale: Sequence[float] | None = None,
    max_iter: int = 500,
) -> OptimResult:
    """Minimise a mean negative log-likelihood over log-parameters.

    BFGS from each start in turn, then the end point is checked and, if needed, polished
    with a few Newton steps on the observed information (finite differences of the analytic
    gradient). Converged means: finite, no parameter on the edge of the search space, the
    observed information positive definite with every eigenvalue above MIN_INFORMATION (the
    parameters are identified), and a Newton decrement g' H^-1 g of the total log-likelihood
    below NEWTON_TOL (the remaining distance to the maximum is ~1e-3 standard errors).
    Convergence is judged by these checks, not by scipy's status. Starts after the first are
    tried only when the previous end point is not finite or on the edge.

    BFGS rather than L-BFGS-B: scipy's L-BFGS-B calls OpenBLAS for its 4-vectors, and with
    OpenBLAS's threads competing for a busy core each call can take a millisecond (a small
    organisation's fit went from 3 ms to 100 ms on a loaded 2-core machine). The search space
    is bounded by a wall in the objective instead (see _guarded).
    """
    best: OptimResult | None = None
    total_iter = 0
    scale = np.ones(len(names)) if display_scale is None else np.asarray(display_scale, float)
    names = [(n, sc) for n, sc in zip(names, scale)]
    for start in starts:
        theta0 = np.asarray(start, dtype=float)
        with np.errstate(all="ignore"):
            res = optimize.minimize(
                _guarded(fun_grad), theta0, jac=True, method="BFGS", options={"maxiter": max_iter, "gtol": 1e-7}
            )
            total_iter += int(res.nit)
            theta = np.asarray(res.x, dtype=float)
            f, g = fun_grad(theta)
        ok, message = _check_point(theta, f, g, names)
        if not ok:
            candidate = OptimResult(theta, float(f), False, message, total_iter)
            if best is None or _better(candidate, best):
                best = candidate
            continue
        with np.errstate(all="ignore"):
            theta, f, converged, message = _polish(fun_grad, theta, f, g, n_obs, names, res)
        return OptimResult(theta, float(f), converged, message, total_iter)
    assert best is not None
    return OptimResult(best.theta, best.mean_nll, False, best.message, total_iter)


def _better(new: OptimResult, old: OptimResult) -> bool:
    if not np.isfinite(old.mean_nll):
        return True
    return bool(np.isfinite(new.mean_nll) and new.mean_nll < old.mean_nll)


def _guarded(fun_grad):
    """Outside [-LOG_BOUND, LOG_BOUND] or where the objective is not finite, return a huge value
    so that the line search backs off: the search space is bounded by a wall."""

    def wrapped(theta):
        if np.any(np.abs(theta) > LOG_BOUND):
            return 1e300, np.zeros_like(theta)
        f, g = fun_grad(theta)
        if not np.isfinite(f) or not np.all(np.isfinite(g)):
            return 1e300, np.zeros_like(theta)
        return f, g

    return wrapped


def _check_point(theta, f, g, names) -> tuple[bool, str]:
    if not (np.isfinite(f) and np.all(np.isfinite(g)) and np.all(np.isfinite(theta))):
        return False, "the log-likelihood is not finite at the optimiser's end point"
    edge = [(n, sc, t) for (n, sc), t in zip(names, theta) if abs(t) >= LOG_BOUND - 0.5]
    if edge:
        return False, (
            ", ".join(
                f"{n} ran off towards {'infinity' if t > 0 else 'zero'} ({n} = {sc * np.exp(t):.3g})"
                for n, sc, t in edge
            )
            + ": the data do not identify the parameters, the maximum is at a limit"
        )
    return True, ""


def _polish(fun_grad, theta, f, g, n_obs, names, res):
    """Identifiability check and Newton polish; returns (theta, f, converged, message)."""
    for step_no in range(MAX_NEWTON_STEPS + 1):
        H = observed_information(fun_grad, theta, n_obs)
        if not np.all(np.isfinite(H)):
            return theta, f, False, "the curvature of the log-likelihood is not finite at the optimum"
        eigval, eigvec = np.linalg.eigh(H)
        if eigval[0] <= MIN_INFORMATION:
            direction = eigvec[:, 0]
            main = [n for (n, _), c in zip(names, direction) if abs(c) >= 0.3]
            values = ", ".join(f"{n} = {sc * np.exp(t):.3g}" for (n, sc), t in zip(names, theta))
            return (
                theta,
                f,
                False,
                (
                    "the likelihood is flat along " + "/".join(main) + f" (at {values}): the data do "
                    "not identify the parameters, the maximum is at a limit"
                ),
            )
        G = g * n_obs
        step = -np.linalg.solve(H, G)
        decrement = float(-G @ step)
        if decrement <= NEWTON_TOL:
            return theta, f, True, "converged"
        if step_no == MAX_NEWTON_STEPS:
            break
        # damped Newton step on the total negative log-likelihood
        for _ in range(30):
            f_new, g_new = fun_grad(theta + step)
            if np.isfinite(f_new) and f_new <= f + 1e-12 * abs(f):  # no worse, up to rounding
                break
            step = step / 2
        else:
            break
        theta, f, g = theta + step, f_new, g_new
        ok, message = _check_point(theta, f, g, names)
        if not ok:
            return theta, f, False, message
    return (
        theta,
        f,
        False,
        (
            f"the optimiser stopped ({res.message}) short of the maximum: Newton decrement "
            f"{decrement:.2g} after {res.nit} iterations and {MAX_NEWTON_STEPS} Newton steps"
        ),
    )


def observed_information(fun_grad, theta: np.ndarray, n_obs: float, h: float = 1e-4) -> np.ndarray:
    """Hessian of the total negative log-likelihood in log-parameters, by central differences
    of the analytic gradient (of the mean, times n_obs)."""
    k = len(theta)
    H = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = h
        H[:, i] = (fun_grad(theta + e)[1] - fun_grad(theta - e)[1]) / (2 * h)
    return 0.5 * (H + H.T) * n_obs


def dot(u: np.ndarray, w: np.ndarray) -> float:
    """Inner product of two long vectors without BLAS: OpenBLAS's threaded ddot is many times
    slower than a single-threaded loop when the other core is busy."""
    return float(np.einsum("i,i->", u, w))


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique values of a 1-d array and the inverse index (np.unique(..., return_inverse)).

    Whole, non-negative values of a moderate range (days, counts) go through a bincount table
    instead of a sort, many times faster on long arrays."""
    v = np.asarray(values, dtype=float).reshape(-1)
    if len(v) and np.all(v >= 0) and np.all(v == np.floor(v)) and v.max() <= 8 * len(v) + 4096:
        iv = v.astype(np.int64)
        present = np.bincount(iv) > 0
        code = np.cumsum(present) - 1
        return np.flatnonzero(present).astype(float), code[iv]
    uniq, inverse = np.unique(v, return_inverse=True)
    return uniq, inverse.reshape(-1).astype(np.int64)


def compress_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Unique rows of the given equal-length columns, their counts and the inverse index.

    Integer-valued, non-negative columns (days) are packed into one int64 key and deduplicated
    with a bincount table when the key's range is moderate (e.g. (x, T) pairs, or periods
    paid), else with a single sort; anything else falls back to a row-wise unique. The unique
    rows come out sorted (lexicographically), whatever the input order.
    """
    cols = [np.asarray(c, dtype=float) for c in columns]
    n = len(cols[0]) if cols else 0
    if n == 0:
        return [c[:0] for c in cols], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    integral = all(np.all(c >= 0) and np.all(c == np.floor(c)) for c in cols)
    maxima = [int(c.max()) + 1 for c in cols] if integral else []
    if integral and float(np.prod([float(m) for m in maxima])) < 2.0**62:
        key = np.zeros(n, dtype=np.int64)
        for c, m in zip(cols, maxima):
            key = key * m + c.astype(np.int64)
        if float(np.prod([float(m) for m in maxima])) <= 8 * n + 4096:
            table = np.bincount(key)
            present = table > 0
            inverse = (np.cumsum(present) - 1)[key]
            uniq, counts = np.flatnonzero(present), table[present]
        else:
            uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        out = []
        for m in reversed(maxima):
            out.append((uniq % m).astype(float))
            uniq = uniq // m
        return out[::-1], counts.astype(np.int64, copy=False), inverse.astype(np.int64, copy=False)
    stacked = np.column_stack(cols)
    uniq, inverse, counts = np.unique(stacked, axis=0, return_inverse=True, return_counts=True)
    return (
        [uniq[:, i].copy() for i in range(uniq.shape[1])],
        counts.astype(np.int64),
        inverse.reshape(-1).astype(np.int64),
    )


# Two AICs closer than this are a tie (the maxima are found to about 1e-6 in log-likelihood:
# see NEWTON_TOL); a tie goes to the simpler variant.
AIC_TIE = 1e-6


@dataclass(frozen=True)
class VariantChoice:
    """The fits of a model's nested variants (each with ``variant``, ``k``, ``aic``,
    ``converged`` and ``message``) and the one published (``chosen``; None when no variant's
    maximum was found inside the parameter space)."""

    fits: tuple
    chosen: object | None

    def fit(self, variant: str):
        return next(f for f in self.fits if f.variant == variant)

    @property
    def message(self) -> str:
        """Why each variant is not a candidate ('variant: message; ...'), or one message when
        they all share it (a degenerate history)."""
        messages = [f.message for f in self.fits]
        if len(set(messages)) == 1:
            return messages[0]
        return "; ".join(f"{f.variant}: {f.message}" for f in self.fits)


def choose_variant(fits) -> VariantChoice:
    """The lowest AIC = 2k - 2 LL among the converged fits (those whose maximum is inside the
    parameter space); fits within AIC_TIE of the lowest tie, and a tie goes to the fewest
    parameters (rules section 9.2b)."""
    fits = tuple(fits)
    candidates = [f for f in fits if f.converged and np.isfinite(f.aic)]
    if not candidates:
        return VariantChoice(fits, None)
    best = min(f.aic for f in candidates)
    tied = [f for f in candidates if f.aic <= best + AIC_TIE]
    return VariantChoice(fits, min(tied, key=lambda f: (f.k, f.aic)))
