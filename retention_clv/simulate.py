"""Seeded simulation of customers from known parameters (for parameter recovery tests and
benchmarks): non-contractual purchase histories from BG/NBD or MBG/NBD and Gamma-Gamma
(``simulate``), contractual renewal histories from the shifted-beta-geometric model
(``simulate_contracts``)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate(
    n_customers: int,
    *,
    r: float = 0.243,
    alpha: float = 30.9,
    a: float = 0.793,
    b: float = 2.426,
    p: float = 6.25,
    q: float = 3.74,
    v: float = 15.44,
    days: int = 730,
    discrete: bool = True,
    seed: int = 0,
    observation_end: str = "2024-12-31",
    return_daily: bool = False,
    modified: bool = False,
    variant: str = "full",
    dropout_probability: float = 0.1,
):
    """Simulate ``n_customers`` customers; return their summary (customer_id, x, t_x, T, m).

    BG/NBD: purchase rate lambda ~ Gamma(r, rate alpha); after each repeat purchase the customer
    drops out with probability p_drop ~ Beta(a, b). ``modified=True``: MBG/NBD, where the
    customer may also drop out right after the first purchase (with the same p_drop). The
    default parameters are CDNOW's BG/NBD ones. ``variant`` (rules section 9.2b):
    ``homogeneous_dropout`` gives every customer p_drop = ``dropout_probability`` (a and b
    unused), ``no_dropout`` never drops anyone out (the NBD). Gamma-Gamma: each purchase's value
    ~ Gamma(p, rate nu), nu ~ Gamma(q, rate v). Time unit: days. First purchases are spread
    uniformly over the ``days`` days up to ``observation_end``.

    ``discrete=True`` (default) is what the project sees: the first purchase falls at a uniform
    time of its day, purchases are bucketed into days and summed per day, and (x, t_x, T, m) are
    whole days and daily totals as in rules section 9. ``discrete=False`` returns the model's own
    continuous-time summary (exact draws from the BG/NBD / Gamma-Gamma likelihoods), which is
    what exact parameter recovery needs.

    With ``return_daily=True`` (discrete only) also returns the per-customer-per-day totals
    (customer_id, date, amount). ``result.attrs['n_purchases']`` is the number of purchases
    (events) simulated, first purchases included.
    """
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    if variant not in ("full", "homogeneous_dropout", "no_dropout"):
        raise ValueError(f"unknown variant {variant!r}")
    if return_daily and not discrete:
        raise ValueError("return_daily needs discrete=True")
    lam, nu, K = _draw_customers(
        rng, n, r, alpha, a, b, q, v, modified=modified, variant=variant, dropout_probability=dropout_probability
    )
    if discrete:
        T_day = rng.integers(0, days, n)
        u = rng.random(n)  # time of day of the first purchase
        T_c = T_day + 1.0 - u
    else:
        T_c = rng.uniform(0.0, days, n)
    N = rng.poisson(lam * T_c)
    x_obs = np.minimum(K, N)
    if not discrete:
        return _continuous_summary(rng, x_obs, N, T_c, p, nu)

    owner, t_rep = _repeat_purchase_times(rng, x_obs, N, T_c)
    day_rep = np.minimum(np.floor(u[owner] + t_rep), T_day[owner]).astype(np.int64)
    # all purchases: first (day 0) + repeats, values Gamma(p, nu)
    cust = np.concatenate([np.arange(n, dtype=np.int64), owner])
    day = np.concatenate([np.zeros(n, dtype=np.int64), day_rep])
    value = rng.gamma(p, 1.0 / nu[cust])
    dcust, dday, amount = _daily_totals(cust, day, value, days)
    out = _whole_day_summary(dcust, dday, amount, T_day)
    out.attrs["n_purchases"] = int(len(cust))
    out.attrs["n_purchase_days"] = int(len(dcust))
    if return_daily:
        return out, _daily_totals_frame(dcust, dday, amount, T_day, observation_end)
    return out


def _draw_customers(
    rng,
    n: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    q: float,
    v: float,
    *,
    modified: bool,
    variant: str,
    dropout_probability: float,
):
    """Each customer's purchase rate lambda, spend rate nu and number K of repeat purchases after
    which he drops out (drawn in this order: lambda, p_drop, nu, K)."""
    lam = rng.gamma(r, 1.0 / alpha, n)
    p_drop = rng.beta(a, b, n)  # drawn for every variant: the same seed, the same other draws
    if variant == "homogeneous_dropout":
        p_drop = np.full(n, float(dropout_probability))
    nu = rng.gamma(q, 1.0 / v, n)
    K = rng.geometric(np.clip(p_drop, 1e-300, 1.0))  # dies right after the K-th repeat purchase
    if modified:
        K = K - 1  # MBG/NBD: the first drop-out opportunity is the first purchase (K = 0)
    if variant == "no_dropout":
        K = np.full(n, np.iinfo(np.int64).max)
    return lam, nu, K


def _continuous_summary(rng, x_obs: np.ndarray, N: np.ndarray, T_c: np.ndarray, p: float, nu: np.ndarray):
    """The continuous-time summary of customers with ``x_obs`` repeat purchases observed out of
    ``N`` in (0, ``T_c``]: t_x the last of x_obs of N uniform order statistics, m the mean of x_obs
    Gamma(p, nu) values."""
    n = len(x_obs)
    t_x = np.zeros(n)
    pos = x_obs > 0
    t_x[pos] = T_c[pos] * rng.beta(x_obs[pos], N[pos] - x_obs[pos] + 1)
    m = np.full(n, np.nan)
    m[pos] = rng.gamma(p * x_obs[pos], 1.0 / (x_obs[pos] * nu[pos]))
    ids = np.arange(n, dtype=np.int64)
    out = pd.DataFrame({"customer_id": ids, "x": x_obs.astype(np.int64), "t_x": t_x, "T": T_c, "m": m})
    out.attrs["n_purchases"] = int(n + x_obs.sum())
    return out


def _repeat_purchase_times(rng, x_obs: np.ndarray, N: np.ndarray, T_c: np.ndarray):
    """The times after the first purchase of each customer's ``x_obs`` observed repeat purchases,
    as (owner, time) flat over all customers: the first x_obs of N uniform order statistics on
    (0, T_c], through exponential spacings (C_j / (C_x + R), R ~ Gamma(N + 1 - x_obs))."""
    n = len(x_obs)
    owner = np.repeat(np.arange(n, dtype=np.int64), x_obs)
    spacing = rng.exponential(1.0, int(x_obs.sum()))
    csum = np.cumsum(spacing)
    starts = np.cumsum(x_obs) - x_obs
    offset = np.repeat(np.concatenate([[0.0], csum])[starts], x_obs)
    within = csum - offset
    last = np.zeros(n)
    has = x_obs > 0
    last[has] = within[starts[has] + x_obs[has] - 1]
    R = rng.gamma(N - x_obs + 1.0)
    scale = T_c / (last + R)
    return owner, within * scale[owner]


def _daily_totals(cust: np.ndarray, day: np.ndarray, value: np.ndarray, days: int):
    """The purchases summed per customer and day: (customer, day, amount), sorted by customer
    and day."""
    key = cust * (int(days) + 1) + day
    ukey, inv = np.unique(key, return_inverse=True)
    amount = np.bincount(inv.reshape(-1), weights=value)
    return ukey // (days + 1), ukey % (days + 1), amount


def _whole_day_summary(dcust: np.ndarray, dday: np.ndarray, amount: np.ndarray, T_day: np.ndarray) -> pd.DataFrame:
    """The summary in whole days from the daily totals (day 0 the first purchase): x the repeat
    purchase days, t_x the last purchase day, m the mean repeat day total."""
    n = len(T_day)
    n_days = np.bincount(dcust, minlength=n)
    x = n_days - 1
    # days are sorted within each customer, so the last day is at the end of its block
    ends = np.cumsum(n_days) - 1
    t_x = dday[ends]
    repeat_total = np.bincount(dcust, weights=np.where(dday > 0, amount, 0.0), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(x > 0, repeat_total / np.maximum(x, 1), np.nan)
    ids = np.arange(n, dtype=np.int64)
    return pd.DataFrame(
        {"customer_id": ids, "x": x.astype(np.int64), "t_x": t_x.astype(np.int64), "T": T_day.astype(np.int64), "m": m}
    )


def _daily_totals_frame(dcust, dday, amount, T_day, observation_end: str) -> pd.DataFrame:
    """The per-customer-per-day totals (customer_id, date, amount), the first purchases falling
    ``T_day`` days before ``observation_end``."""
    end = pd.Timestamp(observation_end).normalize()
    first_date = end - pd.to_timedelta(T_day, unit="D")
    return pd.DataFrame(
        {
            "customer_id": dcust,
            "date": first_date[dcust] + pd.to_timedelta(dday, unit="D"),
            "amount": amount,
        }
    )


def simulate_contracts(
    n_customers: int,
    *,
    alpha: float = 0.704,
    beta: float = 1.182,
    max_periods: int = 24,
    amount_per_period: float = 20.0,
    seed: int = 0,
    variant: str = "full",
    dropout_probability: float = 0.2,
) -> pd.DataFrame:
    """Simulate ``n_customers`` contractual customers from the shifted-beta-geometric model;
    return (customer_id, periods_paid, lapsed, contract_amount_total).

    Each customer leaves at each renewal with probability theta ~ Beta(alpha, beta) (defaults:
    Fader & Hardie's "regular" cohort), so the number of periods he pays in all is
    Geometric(theta) on 1, 2, .... Start dates are spread so that the number of renewal dates
    already passed is uniform on 0..``max_periods`` - 1: a customer who has faced R renewals has
    paid min(lifetime, R + 1) periods and has lapsed when his lifetime is <= R. Each customer
    pays a fixed amount per period ~ Gamma(4, mean ``amount_per_period``). ``variant``
    ``geometric``: every customer leaves with probability ``dropout_probability``.
    """
    if variant not in ("full", "geometric"):
        raise ValueError(f"unknown variant {variant!r}")
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    theta = rng.beta(alpha, beta, n)
    if variant == "geometric":
        theta = np.full(n, float(dropout_probability))
    lifetime = rng.geometric(np.clip(theta, 1e-300, 1.0)).astype(np.int64)
    renewals = rng.integers(0, int(max_periods), n)
    periods_paid = np.minimum(lifetime, renewals + 1)
    price = rng.gamma(4.0, amount_per_period / 4.0, n)
    return pd.DataFrame(
        {
            "customer_id": np.arange(n, dtype=np.int64),
            "periods_paid": periods_paid,
            "lapsed": lifetime <= renewals,
            "contract_amount_total": periods_paid * price,
        }
    )
