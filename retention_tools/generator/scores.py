"""The churn scores: the churn_predictions table (banking, ecommerce) and the telecom upload rows."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from retention_tools.generator.personas import (
    CHURN_BANDS,
    PERSONAS,
    PREDICTION_BAND_SHARES,
    QUARTERLY_BATCH_DAYS,
    UPLOAD_BAND_SHARES,
    OrgCustomers,
)
from retention_tools.generator.sampling import child_rng, exact_counts


def _banded_scores(rng: np.random.Generator, risk: np.ndarray, shares) -> tuple[np.ndarray, np.ndarray]:
    """Exact band counts; bands given by rank of latent risk; score uniform in band (4 dp)."""
    n = len(risk)
    counts = exact_counts(n, shares)
    order = np.lexsort((np.arange(n), risk))
    band = np.empty(n, dtype=np.int64)
    band[order] = np.repeat(np.arange(4), counts)
    lo = np.array([round(b[0] * 10000) for b in CHURN_BANDS])[band]
    hi = np.array([round(b[1] * 10000) for b in CHURN_BANDS])[band]
    score = rng.integers(lo, hi + 1) / 10000.0
    return band, score


def churn_predictions_table(
    c: OrgCustomers, seed: int, org_index: int, end: np.datetime64, history_days: int
) -> pa.Table:
    rng = child_rng(seed, org_index, 1)
    _, latest = _banded_scores(rng, c.risk, PREDICTION_BAND_SHARES[c.org_type])
    H = float(history_days)
    rows_ci, rows_p, rows_t = [np.arange(c.n)], [latest], [np.full(c.n, H - 1.0)]
    extra = rng.choice(3, size=c.n, p=[0.5, 0.35, 0.15])  # 0, 1 or 2 older predictions
    worsening = np.isin(c.persona, [i for i, p in enumerate(PERSONAS) if p.name in ("declining", "at_risk", "lapsed")])
    for k in (1, 2):
        batch_day = H - 1.0 - 30.0 * k
        ci = np.flatnonzero((extra >= k) & (c.t0 < batch_day))
        drift = np.where(worsening[ci], -rng.uniform(0.1, 0.35, len(ci)) * k, rng.normal(0, 0.06, len(ci)))
        p = np.clip(np.round(latest[ci] + drift, 4), 0.0005, 0.9995)
        rows_ci.append(ci), rows_p.append(p), rows_t.append(np.full(len(ci), batch_day))
    ci, p, t = (np.concatenate(x) for x in (rows_ci, rows_p, rows_t))
    secs = (t * 86400).astype(np.int64) + 7200 + rng.integers(0, 3600, len(ci))
    # A quarterly model run QUARTERLY_BATCH_DAYS before the end date, for every customer active
    # then (its own random stream, so the batches above stay as they were): the scores the
    # backtest of the churn_prediction source finds before its calibration date.
    qrng = child_rng(seed, org_index, 5)
    q_day = H - 1.0 - QUARTERLY_BATCH_DAYS
    qci = np.flatnonzero(c.t0 < q_day)
    drift = np.where(worsening[qci], -qrng.uniform(0.05, 0.2, len(qci)), qrng.normal(0, 0.08, len(qci)))
    qp = np.clip(np.round(latest[qci] + drift, 4), 0.0005, 0.9995)
    qsecs = np.full(len(qci), int(q_day * 86400)) + 7200 + qrng.integers(0, 3600, len(qci))
    ci, p, t, secs = (np.concatenate(x) for x in ((ci, qci), (p, qp), (t, np.full(len(qci), q_day)), (secs, qsecs)))
    day0 = end - np.timedelta64(history_days - 1, "D")
    ts = pa.array(day0.astype("datetime64[s]") + secs.astype("timedelta64[s]")).cast(pa.timestamp("us"))
    tbl = pa.table(
        {
            "customer_id": c.customer_id_arrow().take(pa.array(ci)),
            "churn_probability": pa.array(p, pa.float64()),
            "predicted_at": ts,
        }
    )
    return tbl.take(pa.array(np.lexsort((ci, t))))


def upload_rows(c: OrgCustomers, seed: int, org_index: int) -> list[tuple[str, str]]:
    rng = child_rng(seed, org_index, 2)
    _, score = _banded_scores(rng, c.risk, UPLOAD_BAND_SHARES)
    return [(e, f"{s:.4f}") for e, s in zip(c.external_id.tolist(), score.tolist())]
