"""Fit and score one organisation (or many): the two outputs of spec section 9.

``score_organisation`` is what the dbt Python models call, once per organisation, on the
per-customer summary (customer_id, x, t_x, T, m); ``score_organisations`` loops over
``organization_id`` and concatenates, so that no organisation influences another.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from . import bgnbd, gamma_gamma

CUSTOMER_COLUMNS = ["organization_id", "customer_id", "x", "t_x", "T", "m", "p_alive",
                    "expected_purchases_90d", "expected_avg_value", "clv_365d"]
PARAMS_COLUMNS = ["organization_id", "customers_fitted", "r", "alpha", "a", "b",
                  "bgnbd_log_likelihood", "p", "q", "v", "gamma_gamma_log_likelihood",
                  "converged", "reason"]
PURCHASES_HORIZON_DAYS = 90
CLV_HORIZON_DAYS = 365


def _none_if_nan(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _whole_or_float(values: np.ndarray):
    """Days and counts as nullable integers when they are whole numbers (they are, from SQL)."""
    finite = values[np.isfinite(values)]
    if np.all(finite == np.floor(finite)) and np.all(np.abs(finite) < 2**53):
        return pd.array(np.where(np.isfinite(values), values, np.nan), dtype="Int64")
    return values


def _empty_params(organization_id, n: int, reason: str) -> dict[str, Any]:
    row = {c: None for c in PARAMS_COLUMNS}
    row.update(organization_id=organization_id, customers_fitted=int(n), converged=False,
               reason=reason)
    return row


def score_organisation(summary: pd.DataFrame, *, min_customers: int = 50,
                       min_repeat_customers: int = 10, organization_id: Any = None,
                       purchases_horizon_days: float = PURCHASES_HORIZON_DAYS,
                       clv_horizon_days: float = CLV_HORIZON_DAYS,
                       ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Fit BG/NBD and Gamma-Gamma to one organisation's summary and score its customers.

    ``summary``: one row per customer with customer_id, x, t_x, T (days) and m (NULL when
    x = 0), and optionally organization_id (one value). Rows with a NULL x (no value event) are
    kept in the output with NULL predictions and are not fitted.

    Returns (customers, params): a DataFrame with CUSTOMER_COLUMNS, one row per input row, and
    a dict with PARAMS_COLUMNS.

    - fewer than ``min_customers`` customers with a value event, all x = 0, or a BG/NBD fit that
      does not converge: every parameter and prediction NULL, converged = false, reason says why;
    - BG/NBD fitted but fewer than ``min_repeat_customers`` customers with x > 0 and m > 0, or a
      Gamma-Gamma fit that does not converge: r, alpha, a, b, p_alive and
      expected_purchases_90d are published, p, q, v, expected_avg_value and clv_365d are NULL,
      converged = true (it refers to BG/NBD, which p_alive and model churn rest on) and reason
      says what is missing;
    - everything fitted: reason NULL.
    """
    if organization_id is None and "organization_id" in summary.columns and len(summary):
        ids = summary["organization_id"].dropna().unique()
        if len(ids) > 1:
            raise ValueError("score_organisation got several organisations; use score_organisations")
        organization_id = ids[0] if len(ids) else None

    n_rows = len(summary)
    x_all = pd.to_numeric(summary["x"], errors="coerce").to_numpy(dtype=float)
    has_event = np.isfinite(x_all)
    x = x_all[has_event]
    t_x = pd.to_numeric(summary["t_x"], errors="coerce").to_numpy(dtype=float)[has_event]
    T = pd.to_numeric(summary["T"], errors="coerce").to_numpy(dtype=float)[has_event]
    m_all = pd.to_numeric(summary["m"], errors="coerce").to_numpy(dtype=float) \
        if "m" in summary.columns else np.full(n_rows, np.nan)
    m = m_all[has_event]
    n = int(has_event.sum())

    customers = pd.DataFrame({
        "organization_id": pd.Series([organization_id] * n_rows, dtype=object),
        "customer_id": summary["customer_id"].to_numpy(),
        "x": _whole_or_float(x_all),
        "t_x": _whole_or_float(pd.to_numeric(summary["t_x"], errors="coerce").to_numpy(dtype=float)),
        "T": _whole_or_float(pd.to_numeric(summary["T"], errors="coerce").to_numpy(dtype=float)),
        "m": np.where(np.nan_to_num(x_all, nan=0.0) > 0, m_all, np.nan),
    })
    for c in ("p_alive", "expected_purchases_90d", "expected_avg_value", "clv_365d"):
        customers[c] = np.full(n_rows, np.nan)

    if n < max(int(min_customers), 1):
        return customers, _empty_params(
            organization_id, n,
            f"too few customers to fit: {n} with a value event, need at least {min_customers} "
            "(clv_min_customers)")

    bg = bgnbd.fit_bgnbd(x, t_x, T)
    if not bg.converged:
        what = "BG/NBD not fitted" if math.isnan(bg.r) else "BG/NBD fit did not converge"
        return customers, _empty_params(organization_id, n, f"{what}: {bg.message}")

    params = bg.params
    pa = bgnbd.p_alive(x, t_x, T, *params)
    ep = bgnbd.expected_purchases(purchases_horizon_days, x, t_x, T, *params)
    idx = np.flatnonzero(has_event)
    customers.loc[idx, "p_alive"] = pa
    customers.loc[idx, "expected_purchases_90d"] = ep

    row = {c: None for c in PARAMS_COLUMNS}
    row.update(organization_id=organization_id, customers_fitted=n, r=bg.r, alpha=bg.alpha,
               a=bg.a, b=bg.b, bgnbd_log_likelihood=bg.log_likelihood, converged=True)

    reasons = []
    n_repeat = int(gamma_gamma.fit_mask(x, m).sum())
    if n_repeat < max(int(min_repeat_customers), 2):
        reasons.append(
            f"Gamma-Gamma not fitted: {n_repeat} customers with a repeat purchase of positive "
            f"value, need at least {min_repeat_customers}; expected_avg_value and clv_365d are NULL")
    else:
        gg = gamma_gamma.fit_gamma_gamma(x, m)
        if not gg.converged:
            reasons.append(f"Gamma-Gamma fit did not converge: {gg.message}; expected_avg_value "
                           "and clv_365d are NULL")
        else:
            row.update(p=gg.p, q=gg.q, v=gg.v, gamma_gamma_log_likelihood=gg.log_likelihood)
            value = gamma_gamma.expected_avg_value(x, m, *gg.params)
            if clv_horizon_days == purchases_horizon_days:
                ep_clv = ep
            else:
                ep_clv = bgnbd.expected_purchases(clv_horizon_days, x, t_x, T, *params)
            customers.loc[idx, "expected_avg_value"] = value
            customers.loc[idx, "clv_365d"] = ep_clv * value
            if gg.q <= 1:
                reasons.append(
                    f"Gamma-Gamma q = {gg.q:.3g} <= 1: the population mean spend is infinite, so "
                    "expected_avg_value and clv_365d are NULL for customers with x = 0")
    row["reason"] = "; ".join(reasons) if reasons else None
    for c in ("r", "alpha", "a", "b", "bgnbd_log_likelihood", "p", "q", "v",
              "gamma_gamma_log_likelihood"):
        row[c] = _none_if_nan(row[c])
    return customers, row


def score_organisations(summary: pd.DataFrame, *, min_customers: int = 50,
                        min_repeat_customers: int = 10,
                        purchases_horizon_days: float = PURCHASES_HORIZON_DAYS,
                        clv_horizon_days: float = CLV_HORIZON_DAYS,
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """score_organisation for each organization_id of ``summary`` (each fitted on its own).

    Returns (customer_lifetime_value, clv_model_params) DataFrames with CUSTOMER_COLUMNS and
    PARAMS_COLUMNS."""
    parts, rows = [], []
    if len(summary):
        for org, part in summary.groupby("organization_id", sort=True, dropna=False):
            c, p = score_organisation(part.reset_index(drop=True), min_customers=min_customers,
                                      min_repeat_customers=min_repeat_customers,
                                      organization_id=org,
                                      purchases_horizon_days=purchases_horizon_days,
                                      clv_horizon_days=clv_horizon_days)
            parts.append(c)
            rows.append(p)
    customers = (pd.concat(parts, ignore_index=True) if parts
                 else _typed_empty_customers())
    params = pd.DataFrame(rows, columns=PARAMS_COLUMNS)
    return customers, _typed_params(params)


def _typed_empty_customers() -> pd.DataFrame:
    return pd.DataFrame({
        "organization_id": pd.Series([], dtype=object), "customer_id": pd.Series([], dtype=object),
        "x": pd.array([], dtype="Int64"), **{c: pd.Series([], dtype=float) for c in CUSTOMER_COLUMNS[3:]}})


def _typed_params(params: pd.DataFrame) -> pd.DataFrame:
    out = params.copy()
    out["customers_fitted"] = out["customers_fitted"].astype("int64")
    for c in ("r", "alpha", "a", "b", "bgnbd_log_likelihood", "p", "q", "v",
              "gamma_gamma_log_likelihood"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    out["converged"] = out["converged"].astype(bool)
    out["reason"] = out["reason"].astype(object).where(out["reason"].notna(), None)
    return out
