"""One row per customer and reference ('as_of', 'calibration') of
int_customers_purchases_summarized: the customer's model (sBG when contractual, else MBG/NBD
or BG/NBD with Gamma-Gamma), its published variant, predictions and model churn, and the fitted
parameters of its organisation and model (rules section 9).

The 'as_of' rows are the published predictions; the 'calibration' rows are the same models
refitted on the history before calibration_date, which the backtests check against what
happened next. The maths lives in the importable package ``retention_clv`` (tested by
pytest); this model only wires the SQL purchase summary to it, and touches the warehouse's
DataFrame API only through ``retention_clv.frames.to_pandas``. Each organisation, setting and
reference is fitted on its own; the fit's parameters and reason are repeated on its
customers' rows so that customer_lifetime_value and clv_model_params read the same fit.
"""

from retention_clv.frames import SUMMARY_COLUMNS, score_references, scoring_options, to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    # a call of its own: dbt finds the config a Python model reads by its statements, and misses
    # a dbt.config.get nested in another call
    settings = dbt.config.get("meta") or {}
    options = scoring_options(settings)
    summary = dbt.ref("int_customers_purchases_summarized")
    # Only the columns the maths reads, one reference at a time. The warehouse returns rows in
    # no particular order; the fits do not depend on it (they sort what they compress).
    return score_references(lambda reference: to_pandas(summary, SUMMARY_COLUMNS, reference), **options)
