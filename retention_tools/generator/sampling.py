"""Small vectorised random helpers: seeded child generators, UUIDs, exact shares, Poisson
spans, periodic events and bursts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def child_rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def uuid4_strings(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random version-4 UUID strings (vectorised; deterministic for the generator)."""
    b = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    hx = np.empty((n, 32), dtype=np.uint8)
    hx[:, 0::2] = _HEX[b >> 4]
    hx[:, 1::2] = _HEX[b & 0x0F]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for dst, src in ((0, 0), (9, 8), (14, 12), (19, 16), (24, 20)):
        width = {0: 8, 9: 4, 14: 4, 19: 4, 24: 12}[dst]
        out[:, dst : dst + width] = hx[:, src : src + width]
    return out.view("S36").ravel().astype(str)


def transaction_ids(counter_start: int, n: int) -> pa.Array:
    """Unique ids TXN_<16 hex>: a bijective mix of a global row counter (unique, random-looking)."""
    x = np.arange(counter_start, counter_start + n, dtype=np.uint64)
    x = x * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x2545F4914F6CDD1D)
    x ^= x >> np.uint64(31)
    b = x.astype(">u8").view(np.uint8).reshape(n, 8)  # big-endian bytes
    out = np.empty((n, 20), dtype=np.uint8)
    out[:, :4] = np.frombuffer(b"TXN_", dtype=np.uint8)
    out[:, 4::2] = _HEX[b >> 4]
    out[:, 5::2] = _HEX[b & 0x0F]
    return pa.array(out.view("S20").ravel()).cast(pa.string())


def exact_counts(n: int, shares) -> np.ndarray:
    """Integer counts summing to n, each within one of n*share (largest remainders)."""
    shares = np.asarray(shares, dtype=float)
    raw = shares / shares.sum() * n
    counts = np.floor(raw).astype(int)
    rest = n - counts.sum()
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:rest]] += 1
    return counts


def sample_rows(rng: np.random.Generator, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each event (row index into `weights`), a column drawn with that row's weights."""
    cum = np.cumsum(weights, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(rows))
    return np.minimum((cum[rows] < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _ramp_positions(u: np.ndarray, a0: np.ndarray, a1: np.ndarray) -> np.ndarray:
    """Inverse CDF on [0, 1] of a density proportional to a0 + (a1 - a0) x."""
    d = a1 - a0
    flat = np.abs(d) < 1e-9
    safe = np.where(flat, 1.0, d)
    x = (-a0 + np.sqrt(a0 * a0 + (a1 * a1 - a0 * a0) * u)) / safe
    return np.clip(np.where(flat, u, x), 0.0, 1.0 - 1e-12)


def poisson_span(rng, rate, t0, t1, a0=None, a1=None):
    """Poisson process per customer on [t0, t1) (days), rate per day x linear ramp a0->a1.
    Returns (customer index, time in days)."""
    span = np.clip(t1 - t0, 0.0, None)
    if a0 is None:
        mean = rate * span
    else:
        mean = rate * span * (a0 + a1) / 2.0
    k = rng.poisson(np.clip(mean, 0.0, None))
    ci = np.repeat(np.arange(len(rate)), k)
    u = rng.random(len(ci))
    if a0 is not None:
        u = _ramp_positions(u, a0[ci], a1[ci])
    return ci, t0[ci] + u * span[ci]


def periodic(rng, mask, t0, t_end, phase, period=30.4):
    """One event per period (a number, or one per customer) from the first phase point >= t0 up
    to t_end, for masked customers."""
    period = np.broadcast_to(np.asarray(period, dtype=float), t0.shape)
    first = t0 + np.mod(phase - t0, period)
    n = np.where(mask & (first < t_end), np.floor((t_end - first) / period).astype(np.int64) + 1, 0)
    ci = np.repeat(np.arange(len(t0)), n)
    k = np.arange(len(ci)) - np.repeat(np.cumsum(n) - n, n)
    return ci, first[ci] + k * period[ci]


def bursts(rng, episode_rate, t0, t1, length=(3.0, 10.0), intensity=1.0):
    """Episodes (support issues, trips) as a Poisson process on [t0, t1); inside an episode,
    events at `intensity` per day. Returns (customer index, time)."""
    ep_ci, ep_start = poisson_span(rng, episode_rate, t0, t1)
    ep_len = rng.uniform(*length, size=len(ep_ci))
    k = rng.poisson(ep_len * intensity) + 1
    ci = np.repeat(ep_ci, k)
    t = np.repeat(ep_start, k) + rng.random(len(ci)) * np.repeat(ep_len, k)
    return ci, t
