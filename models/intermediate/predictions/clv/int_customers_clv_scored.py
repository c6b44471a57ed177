"""One row per customer and reference ('as_of', 'calibration') of
int_customers_purchases_summarized: the customer's model (sBG when contractual, else MBG/NBD
or BG/NBD with Gamma-Gamma), its predictions and model churn, and the fitted parameters of its
organisation and model (rules section 9).

The 'as_of' rows are the published predictions; the 'calibration' rows are the same models
refitted on the history before calibration_date, which the backtests check against what
happened next. The maths lives in the importable package ``retention_clv`` (tested by
pytest); this model only wires the SQL purchase summary to it. Each organisation, setting and
reference is fitted on its own; the fit's parameters and reason are repeated on its
customers' rows so that customer_lifetime_value and clv_model_params read the same fit.
"""
import pandas as pd

from retention_clv import score_organizations


SUMMARY_COLUMNS = ("organization_id, customer_id, setting, x, t_x, T, m, periods_paid, lapsed, "
                   "contract_amount_total")


def model(dbt, session):
    dbt.config(materialized="table")
    settings = dbt.config.get("meta") or {}
    options = dict(
        noncontractual_model=str(settings.get("clv_noncontractual_model", "mbgnbd")),
        churn_horizon_days=float(settings.get("churn_horizon_days", 90)),
        contract_period_days=float(settings.get("contract_period_days", 30)),
        min_customers=int(settings.get("clv_min_customers", 50)),
        min_repeat_customers=int(settings.get("clv_min_repeat_customers", 10)),
    )
    summary = dbt.ref("int_customers_purchases_summarized")
    parts = []
    for reference in ("as_of", "calibration"):
        # Only the columns the maths reads, one reference at a time. The warehouse returns rows
        # in no particular order; the fits do not depend on it (they sort what they compress).
        rows = summary.filter(f"reference = '{reference}'").project(SUMMARY_COLUMNS).df()
        customers, params = score_organizations(rows, **options)
        # variant: the customer's (NULL when not scored); fit_variant: the organisation's
        scored = customers.merge(params.rename(columns={"variant": "fit_variant"}),
                                 on=["organization_id", "model"], how="left", validate="many_to_one")
        scored.insert(2, "reference", reference)
        parts.append(scored)
    return pd.concat(parts, ignore_index=True)
