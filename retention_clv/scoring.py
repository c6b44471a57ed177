"""Fit and score organisations: the two outputs of rules section 9.

``score_organizations`` is what the dbt Python model calls on the per-customer summary. Each
organisation is fitted on its own (no organisation influences another), with one fit per
setting it has customers in:

- non-contractual customers (setting 'noncontractual'): MBG/NBD (default) or BG/NBD for
  purchase counts, P(alive) and model churn, and Gamma-Gamma for spend;
- contractual customers (setting 'contractual'): the shifted-beta-geometric (sBG) retention
  model on (periods_paid, lapsed), and the customer's own value per paid period.

Each model is fitted in its nested variants (MBG/NBD, BG/NBD: full, homogeneous_dropout,
no_dropout; sBG: full, geometric) and the variant with the lowest AIC among those whose maximum
is inside the parameter space is published and scores the customers (rules section 9.2b).

Rows may come in any order; the fits compress and sort their data, so no result depends on it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from . import bgnbd, gamma_gamma, sbg
from ._optim import compress_rows

CUSTOMER_COLUMNS = [
    "organization_id",
    "customer_id",
    "model",
    "variant",
    "x",
    "t_x",
    "T",
    "m",
    "periods_paid",
    "lapsed",
    "p_alive",
    "churn_probability",
    "expected_purchases_90d",
    "expected_avg_value",
    "clv_365d",
    "expected_purchases_horizon",
]
PARAMS_COLUMNS = [
    "organization_id",
    "model",
    "customers_fitted",
    "r",
    "alpha",
    "a",
    "b",
    "sbg_alpha",
    "sbg_beta",
    "log_likelihood",
    "p",
    "q",
    "v",
    "gamma_gamma_log_likelihood",
    "converged",
    "reason",
    "variant",
    "dropout_probability",
    "aic",
]
PREDICTION_COLUMNS = [
    "p_alive",
    "churn_probability",
    "expected_purchases_90d",
    "expected_avg_value",
    "clv_365d",
    "expected_purchases_horizon",
]
# The fitted numbers among them (every column but the keys, counts, flags and labels).
_NOT_FITTED = ("organization_id", "model", "customers_fitted", "converged", "reason", "variant")
FLOAT_PARAMS = [c for c in PARAMS_COLUMNS if c not in _NOT_FITTED]
NONCONTRACTUAL_MODELS = ("mbgnbd", "bgnbd")
CONTRACTUAL_MODEL = sbg.MODEL_NAME
SETTINGS = ("noncontractual", "contractual")
PURCHASES_HORIZON_DAYS = 90
CLV_HORIZON_DAYS = 365
CHURN_HORIZON_DAYS = 90
CONTRACT_PERIOD_DAYS = 30


def _none_if_nan(value) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _whole_or_float(values: np.ndarray):
    """Days and counts as nullable integers when they are whole numbers (they are, from SQL)."""
    finite = values[np.isfinite(values)]
    if np.all(finite == np.floor(finite)) and np.all(np.abs(finite) < 2**53):
        return pd.array(np.where(np.isfinite(values), values, np.nan), dtype="Int64")
    return values


def _numeric(summary: pd.DataFrame, column: str) -> np.ndarray:
    if column not in summary.columns:
        return np.full(len(summary), np.nan)
    return pd.to_numeric(summary[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _lapsed(summary: pd.DataFrame) -> np.ndarray:
    """lapsed as 1.0 / 0.0 / NaN (NULL), from booleans, 0/1 numbers or objects with None."""
    if "lapsed" not in summary.columns:
        return np.full(len(summary), np.nan)
    col = summary["lapsed"]
    if col.dtype == object:
        col = col.astype("boolean")
    return pd.to_numeric(col, errors="coerce").astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _contractual(summary: pd.DataFrame) -> np.ndarray:
    """Whether each customer is contractual (none is when the setting column is absent)."""
    if "setting" not in summary.columns:
        return np.zeros(len(summary), dtype=bool)
    setting = summary["setting"].to_numpy(dtype=object)
    bad = ~np.isin(setting, SETTINGS)
    if bad.any():
        raise ValueError(f"setting must be 'contractual' or 'noncontractual', got {setting[bad][0]!r}")
    return setting == "contractual"


class _Frame:
    """The per-customer arrays of the whole input (organisation, setting, summary), and the
    predictions being filled in."""

    def __init__(self, summary: pd.DataFrame):
        self.n = len(summary)
        self.contractual = _contractual(summary)
        self.organization_id = (
            summary["organization_id"].to_numpy(dtype=object)
            if "organization_id" in summary.columns
            else np.full(self.n, None, dtype=object)
        )
        self.x = _numeric(summary, "x")
        self.t_x = _numeric(summary, "t_x")
        self.T = _numeric(summary, "T")
        self.m = _numeric(summary, "m")
        self.periods_paid = _numeric(summary, "periods_paid")
        self.lapsed = _lapsed(summary)
        self.amount = _numeric(summary, "contract_amount_total")
        self.pred = {c: np.full(self.n, np.nan) for c in PREDICTION_COLUMNS}
        self.variant = np.full(self.n, None, dtype=object)


def _param_row(organization_id, model: str, n: int, reason: str | None = None, fit=None, **values) -> dict[str, Any]:
    """The clv_model_params row: the published variant's ``fit`` (None: not fitted)."""
    row = {c: None for c in PARAMS_COLUMNS}
    row.update(
        organization_id=organization_id, model=model, customers_fitted=int(n), converged=fit is not None, reason=reason
    )
    if fit is not None:
        row.update(
            variant=fit.variant,
            log_likelihood=_none_if_nan(fit.log_likelihood),
            aic=_none_if_nan(fit.aic),
            dropout_probability=_none_if_nan(fit.theta),
        )
    row.update({k: _none_if_nan(v) for k, v in values.items()})
    return row


def _too_few(n: int, setting: str, min_customers: int) -> str:
    return (
        f"too few customers to fit: {n} {setting.replace('non', 'non-')} customers with a "
        f"value event, need at least {min_customers} (clv_min_customers, counted per "
        "organisation and setting)"
    )


def _no_variant(label: str, choice) -> str:
    """The reason when no variant is a candidate: the one message of a degenerate history, or
    why each variant is not a candidate."""
    if len({f.message for f in choice.fits}) == 1:
        return f"{label} not fitted: {choice.message}"
    return f"{label} not fitted: no variant has its maximum inside the parameter space ({choice.message})"


def _score_noncontractual(
    F: _Frame,
    idx: np.ndarray,
    organization_id,
    *,
    modified: bool,
    min_customers: int,
    min_repeat_customers: int,
    purchases_horizon_days: float,
    clv_horizon_days: float,
    churn_horizon_days: float,
) -> dict[str, Any]:
    model, label = bgnbd.model_name(modified), bgnbd.model_label(modified)
    idx = idx[np.isfinite(F.x[idx])]  # customers without a value event are kept unscored
    n = len(idx)
    if n < max(int(min_customers), 1):
        return _param_row(organization_id, model, n, _too_few(n, "noncontractual", min_customers))
    x, t_x, T, m = F.x[idx], F.t_x[idx], F.T[idx], F.m[idx]
    bgnbd.validate_summary(x, t_x, T)
    # one compression for the fits and the predictions (which depend on (x, t_x, T) only)
    (ux, ut, uT), counts, inv = compress_rows(x, t_x, T)
    choice = bgnbd.fit_variants(ux, ut, uT, weights=counts, modified=modified)
    fit = choice.chosen
    if fit is None:
        return _param_row(organization_id, model, n, _no_variant(label, choice))

    horizons = sorted({float(purchases_horizon_days), float(clv_horizon_days), float(churn_horizon_days)})
    alive = fit.p_alive(ux, ut, uT)
    expected = dict(zip(horizons, fit.expected_purchases_many(horizons, ux, ut, uT)))
    churn = fit.churn_probability(churn_horizon_days, ux, ut, uT, alive=alive)
    F.variant[idx] = fit.variant
    P = F.pred
    P["p_alive"][idx] = alive[inv]
    P["churn_probability"][idx] = churn[inv]
    P["expected_purchases_90d"][idx] = expected[float(purchases_horizon_days)][inv]
    P["expected_purchases_horizon"][idx] = expected[float(churn_horizon_days)][inv]

    row = _param_row(organization_id, model, n, None, fit, r=fit.r, alpha=fit.alpha, a=fit.a, b=fit.b)
    reasons = []
    n_repeat = int(gamma_gamma.fit_mask(x, m).sum())
    if n_repeat < max(int(min_repeat_customers), 2):
        reasons.append(
            f"Gamma-Gamma not fitted: {n_repeat} customers with a repeat purchase of positive "
            f"value, need at least {min_repeat_customers}; expected_avg_value and clv_365d are NULL"
        )
    else:
        gg = gamma_gamma.fit_gamma_gamma(x, m)
        if not gg.converged:
            reasons.append(f"Gamma-Gamma fit did not converge: {gg.message}; expected_avg_value and clv_365d are NULL")
        else:
            row.update(p=gg.p, q=gg.q, v=gg.v, gamma_gamma_log_likelihood=_none_if_nan(gg.log_likelihood))
            value = gamma_gamma.expected_avg_value(x, m, *gg.params)
            P["expected_avg_value"][idx] = value
            P["clv_365d"][idx] = expected[float(clv_horizon_days)][inv] * value
            if gg.q <= 1:
                reasons.append(
                    f"Gamma-Gamma q = {gg.q:.3g} <= 1: the population mean spend is infinite, so "
                    "expected_avg_value and clv_365d are NULL for customers with x = 0"
                )
    row["reason"] = "; ".join(reasons) if reasons else None
    return row


def _score_contractual(
    F: _Frame,
    idx: np.ndarray,
    organization_id,
    *,
    min_customers: int,
    purchases_horizon_days: float,
    clv_horizon_days: float,
    churn_horizon_days: float,
    contract_period_days: float,
) -> dict[str, Any]:
    model = CONTRACTUAL_MODEL
    idx = idx[np.isfinite(F.periods_paid[idx]) & np.isfinite(F.lapsed[idx])]
    n = len(idx)
    if n < max(int(min_customers), 1):
        return _param_row(organization_id, model, n, _too_few(n, "contractual", min_customers))
    t, lapsed = F.periods_paid[idx], F.lapsed[idx] == 1.0
    choice = sbg.fit_variants(t, lapsed)
    fit = choice.chosen
    if fit is None:
        return _param_row(organization_id, model, n, _no_variant("sBG", choice))

    k_90 = sbg.periods_in(purchases_horizon_days, contract_period_days)
    k_clv = sbg.periods_in(clv_horizon_days, contract_period_days)
    k_churn = sbg.periods_in(churn_horizon_days, contract_period_days)
    F.variant[idx] = fit.variant
    P = F.pred
    P["p_alive"][idx] = sbg.p_alive(lapsed)
    P["churn_probability"][idx] = fit.churn_probability(k_churn, t, lapsed)
    P["expected_purchases_90d"][idx] = fit.expected_periods(k_90, t, lapsed)
    P["expected_purchases_horizon"][idx] = fit.expected_periods(k_churn, t, lapsed)
    value = F.amount[idx] / t
    P["expected_avg_value"][idx] = value
    P["clv_365d"][idx] = fit.expected_periods(k_clv, t, lapsed) * value
    # Every customer lapsed is still a fit (of past retention): reason stays NULL, and the
    # predictions say it (p_alive 0, churn 1, no paid periods expected).
    return _param_row(organization_id, model, n, None, fit, sbg_alpha=fit.alpha, sbg_beta=fit.beta)


def score_organizations(
    summary: pd.DataFrame,
    *,
    noncontractual_model: str = "mbgnbd",
    churn_horizon_days: float = CHURN_HORIZON_DAYS,
    contract_period_days: float = CONTRACT_PERIOD_DAYS,
    min_customers: int = 50,
    min_repeat_customers: int = 10,
    purchases_horizon_days: float = PURCHASES_HORIZON_DAYS,
    clv_horizon_days: float = CLV_HORIZON_DAYS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit every organisation of ``summary`` on its own, per setting, and score its customers.

    ``summary``: one row per customer with organization_id, customer_id, setting
    ('contractual' or 'noncontractual'; all non-contractual when the column is absent), x, t_x,
    T (days) and m (NULL when x = 0) over its value events (the project passes every value
    event, also for a contractual customer, whose model reads only the next three), and, for
    contractual customers, periods_paid (>= 1), lapsed and contract_amount_total. Rows may be
    in any order. Non-contractual rows with a NULL x and contractual rows with a NULL
    periods_paid or lapsed are kept with NULL predictions and are not fitted.

    Returns (customers, params):

    - customers: CUSTOMER_COLUMNS, one row per input row in input order. ``model`` is the
      setting's model, ``variant`` the published variant that scored the customer; p_alive,
      churn_probability (no value event in the next ``churn_horizon_days``),
      expected_purchases_90d (expected purchases, or paid periods, in the next
      ``purchases_horizon_days``), expected_purchases_horizon (the same over
      ``churn_horizon_days``), expected_avg_value (Gamma-Gamma expected spend, or the
      customer's value of one period) and clv_365d (expectation over ``clv_horizon_days``
      times expected_avg_value). NULL where the organisation-and-model fit is missing.
    - params: PARAMS_COLUMNS, one row per organisation and model it has customers for.
      variant, log_likelihood, aic and the variant's parameters (a, b or sbg_alpha, sbg_beta
      for full; dropout_probability for homogeneous_dropout and geometric). converged: a
      variant of the purchase/retention model was published; reason is NULL when everything
      is fitted, else says what is missing and why:
      * fewer than ``min_customers`` customers in the setting, a degenerate history (no repeat
        purchase, nobody lapsed, identical histories) or no variant with its maximum inside
        the parameter space: every parameter and prediction NULL, converged = false;
      * non-contractual model fitted but fewer than ``min_repeat_customers`` customers with
        x > 0 and m > 0, or a Gamma-Gamma fit that does not converge: p, q, v,
        expected_avg_value and clv_365d NULL, converged = true;
      * every contractual customer lapsed: the fit is published, converged = true, reason NULL.

    Raises ValueError only on a bad argument or invalid input (an unknown model or setting,
    t_x > T, periods_paid < 1, ...), never on degenerate data.
    """
    if noncontractual_model not in NONCONTRACTUAL_MODELS:
        raise ValueError(f"noncontractual_model must be one of {NONCONTRACTUAL_MODELS}, got {noncontractual_model!r}")
    if not (contract_period_days > 0):
        raise ValueError("contract_period_days must be positive")
    modified = noncontractual_model == "mbgnbd"
    F = _Frame(summary)
    horizons = dict(
        purchases_horizon_days=purchases_horizon_days,
        clv_horizon_days=clv_horizon_days,
        churn_horizon_days=churn_horizon_days,
    )
    rows = []
    for org, idx in _groups(F):
        if F.contractual[idx[0]]:
            row = _score_contractual(
                F, idx, org, min_customers=min_customers, contract_period_days=contract_period_days, **horizons
            )
        else:
            row = _score_noncontractual(
                F,
                idx,
                org,
                modified=modified,
                min_customers=min_customers,
                min_repeat_customers=min_repeat_customers,
                **horizons,
            )
        rows.append(row)
    return _customer_frame(summary, F, noncontractual_model), _params_frame(rows)


def _groups(F: _Frame):
    """Each organisation and setting in turn, as (organization_id, its row indices): organisations
    sorted (a missing one as None), non-contractual before contractual."""
    if not F.n:
        return
    codes, uniques = pd.factorize(pd.Series(F.organization_id), sort=True, use_na_sentinel=False)
    key = codes.astype(np.int64) * 2 + F.contractual
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    for idx in np.split(order, bounds):
        org = uniques[codes[idx[0]]]
        yield (None if isinstance(org, float) and math.isnan(org) else org), idx


def _customer_frame(summary: pd.DataFrame, F: _Frame, noncontractual_model: str) -> pd.DataFrame:
    """The customers output, one row per input row in input order: the customer's summary typed
    for the warehouse (whole days and counts as integers, m only when x > 0, periods_paid and
    lapsed only for contractual customers), his model and variant, and the predictions."""
    contractual = F.contractual
    model = np.where(contractual, CONTRACTUAL_MODEL, noncontractual_model).astype(object)
    customers = pd.DataFrame(
        {
            "organization_id": pd.Series(F.organization_id, dtype=object),
            "customer_id": summary["customer_id"].to_numpy(),
            "model": pd.Series(model, dtype=object),
            "variant": pd.Series(F.variant, dtype=object),
            "x": _whole_or_float(F.x),
            "t_x": _whole_or_float(F.t_x),
            "T": _whole_or_float(F.T),
            "m": np.where(np.nan_to_num(F.x, nan=0.0) > 0, F.m, np.nan),
            "periods_paid": _whole_or_float(np.where(contractual, F.periods_paid, np.nan)),
            "lapsed": pd.array(np.where(contractual & np.isfinite(F.lapsed), F.lapsed == 1.0, None), dtype="boolean"),
            **F.pred,
        }
    )
    return _string_if_empty(customers[CUSTOMER_COLUMNS], ["organization_id", "customer_id", "model", "variant"])


def _string_if_empty(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Empty object columns have no type a warehouse can read (DuckDB sees "NULL"): make them
    strings when there are no rows."""
    if len(frame):
        return frame
    frame = frame.copy()
    for c in columns:
        if frame[c].dtype == object:
            frame[c] = frame[c].astype("string")
    return frame


def _params_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The params output from the rows of ``_param_row``, typed for the warehouse."""
    out = pd.DataFrame(rows, columns=PARAMS_COLUMNS)
    # as given (pandas would turn a NULL organization_id among strings into NaN)
    out["organization_id"] = pd.Series([r["organization_id"] for r in rows], dtype=object)
    out["model"] = out["model"].astype(object)
    out["customers_fitted"] = out["customers_fitted"].astype("int64")
    for c in FLOAT_PARAMS:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    out["converged"] = out["converged"].astype(bool)
    for c in ("reason", "variant"):
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    return _string_if_empty(out, ["organization_id", "model", "reason", "variant"])
