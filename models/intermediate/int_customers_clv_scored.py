"""One row per customer with a valid value event before as_of_date: the BG/NBD and
Gamma-Gamma fits of its organisation (spec section 9) and its scores.

The maths lives in the importable package ``retention_clv`` (tested by pytest); this model
only wires the SQL purchase summary to it and returns a pandas DataFrame. Each organisation is
fitted on its own; the organisation's parameters and reason are repeated on its customers'
rows so that customer_lifetime_value and clv_model_params both read one fit.
"""
from retention_clv import score_organisations


def model(dbt, session):
    dbt.config(materialized="table")
    settings = dbt.config.get("meta") or {}
    # The warehouse returns rows in no particular order; the fits must not depend on it.
    summary = (dbt.ref("int_customers_purchase_summarised").df()
               .sort_values(["organization_id", "customer_id"], kind="mergesort")
               .reset_index(drop=True))
    customers, params = score_organisations(
        summary,
        min_customers=int(settings.get("clv_min_customers", 50)),
        min_repeat_customers=int(settings.get("clv_min_repeat_customers", 10)),
    )
    scored = customers.merge(params, on="organization_id", how="left", validate="many_to_one")
    scored["as_of_date"] = summary["as_of_date"].iloc[0] if len(summary) else None
    return scored
