"""The per-customer summary (x, t_x, T, m) of rules section 9, in pandas (for tests and small
data; the dbt project computes the same summary in SQL, int_customers_purchases_summarized).

Conventions (Fader, Hardie & Lee 2005 and ``lifetimes``, whose ``observation_period_end`` is the
project's ``as_of_date - 1 day``): amounts are summed per customer and day first (NULL amounts
count as 0); then, in days,

- x   = number of distinct purchase days - 1 (repeat purchase days);
- t_x = days from the first to the last purchase day;
- T   = days from the first purchase day to observation_end (= as_of_date - 1 day);
- m   = mean of the daily totals over the repeat purchase days (first day excluded), NULL for
        x = 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SUMMARY_COLUMNS = ["customer_id", "x", "t_x", "T", "m"]


def summarize_purchases(
    daily: pd.DataFrame,
    observation_end,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    keys: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Summarise events or daily totals into one row per customer: (*keys, customer_id, x, t_x,
    T, m).

    ``daily`` has one row per event or per customer and day (several rows on one day are
    summed); timestamps are truncated to their day. Rows after ``observation_end`` (a date,
    inclusive: pass as_of_date - 1 day) are ignored. ``keys`` are extra grouping columns kept in
    the output (e.g. ``("organization_id",)``); an ``organization_id`` column is kept
    automatically when present. The output's customer column is named ``customer_id``.
    """
    end = pd.Timestamp(observation_end).normalize()
    keys = tuple(keys)
    if "organization_id" in daily.columns and "organization_id" not in keys and customer_col != "organization_id":
        keys = ("organization_id",) + keys
    group = list(keys) + [customer_col]
    d = pd.DataFrame({c: daily[c] for c in group})
    d["_day"] = pd.to_datetime(daily[date_col]).dt.normalize()
    d["_amount"] = pd.to_numeric(daily[amount_col], errors="coerce").fillna(0.0).astype(float)
    d = d[d["_day"] <= end]
    per_day = d.groupby(group + ["_day"], sort=False, dropna=False)["_amount"].sum().reset_index()
    g = per_day.groupby(group, sort=True, dropna=False)
    first = g["_day"].transform("min")
    per_day["_repeat"] = np.where(per_day["_day"].to_numpy() != first.to_numpy(), per_day["_amount"].to_numpy(), 0.0)
    out = g.agg(
        _first=("_day", "min"), _last=("_day", "max"), _days=("_day", "size"), _repeat_total=("_repeat", "sum")
    ).reset_index()
    x = out["_days"].to_numpy(dtype=np.int64) - 1
    result = out[group].rename(columns={customer_col: "customer_id"})
    result["x"] = x
    result["t_x"] = (out["_last"] - out["_first"]).dt.days.to_numpy(dtype=np.int64)
    result["T"] = (end - out["_first"]).dt.days.to_numpy(dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        result["m"] = np.where(x > 0, out["_repeat_total"].to_numpy() / np.maximum(x, 1), np.nan)
    return result.reset_index(drop=True)
