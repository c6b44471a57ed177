"""The one place where the prediction step touches a warehouse's DataFrame API, and the
per-reference scoring every engine runs (rules section 9.6).

``to_pandas`` turns the relation a dbt Python model gets from ``dbt.ref`` (a DuckDB relation; on
warehouses that run Python models a Spark, Snowpark or BigQuery DataFrame) into pandas, with
only the columns and rows the maths reads. ``score_references`` scores the purchase summary of
each reference date ('as_of' and the backtest's 'calibration') with ``score_organizations`` and
repeats each organisation's fit on its customers' rows: the dbt Python model and the fit step
that runs outside dbt on PostgreSQL and Spark both call it, so the result is the same wherever
it runs.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from .scoring import score_organizations

SUMMARY_COLUMNS = [
    "organization_id",
    "customer_id",
    "setting",
    "x",
    "t_x",
    "T",
    "m",
    "periods_paid",
    "lapsed",
    "contract_amount_total",
]
REFERENCES = ("as_of", "calibration")


def scoring_options(settings: dict) -> dict:
    """``score_organizations``' keyword arguments from the project's vars (as the dbt Python
    model's meta and the fit step's plan carry them; missing ones take their defaults)."""
    return dict(
        noncontractual_model=str(settings.get("clv_noncontractual_model", "mbgnbd")),
        churn_horizon_days=float(settings.get("churn_horizon_days", 90)),
        contract_period_days=float(settings.get("contract_period_days", 30)),
        min_customers=int(settings.get("clv_min_customers", 50)),
        min_repeat_customers=int(settings.get("clv_min_repeat_customers", 10)),
    )


def to_pandas(relation, columns: list[str], reference: str) -> pd.DataFrame:
    """The rows of ``relation`` whose column ``reference`` equals ``reference``, with
    ``columns`` only, as pandas. Filtered and projected by the engine before the conversion.

    Works on a DuckDB relation (``.filter``/``.project``/``.df``), a Spark DataFrame
    (``.filter``/``.select``/``.toPandas``) and a Snowpark or BigQuery DataFrames object
    (``.filter``/``.select``/``.to_pandas``), or a pandas DataFrame (for tests)."""
    if isinstance(relation, pd.DataFrame):
        return relation.loc[relation["reference"] == reference, columns].reset_index(drop=True)
    where = f"reference = '{reference}'"
    if hasattr(relation, "project") and hasattr(relation, "df"):  # DuckDB
        return relation.filter(where).project(", ".join(f'"{c}"' for c in columns)).df()
    selected = relation.filter(where).select(*columns)
    if hasattr(selected, "toPandas"):  # Spark
        return selected.toPandas()
    if hasattr(selected, "to_pandas"):  # Snowpark, BigFrames
        return selected.to_pandas()
    raise TypeError(f"cannot turn a {type(relation).__name__} into pandas")


def score_reference(summary: pd.DataFrame, reference: str, **options) -> pd.DataFrame:
    """One row per customer of one reference's ``summary``: ``score_organizations``' customer
    rows with their organisation's fit (PARAMS_COLUMNS, its variant as ``fit_variant``)
    repeated on them and the column ``reference``. ``options`` go to ``score_organizations``.
    Each organisation and setting is fitted on its own, so scoring the summary in parts split
    by organisation and setting (Spark's ``applyInPandas``) gives the same rows."""
    customers, params = score_organizations(summary, **options)
    # variant: the customer's (NULL when not scored); fit_variant: the organisation's
    scored = customers.merge(
        params.rename(columns={"variant": "fit_variant"}),
        on=["organization_id", "model"],
        how="left",
        validate="many_to_one",
    )
    scored.insert(2, "reference", reference)
    return scored


def score_references(load: Callable[[str], pd.DataFrame], references=REFERENCES, **options) -> pd.DataFrame:
    """``score_reference`` of each reference's summary (``load(reference)``, read one
    reference at a time), in one frame."""
    return pd.concat(
        [score_reference(load(reference), reference, **options) for reference in references], ignore_index=True
    )
