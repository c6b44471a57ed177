{#- On engines without dbt Python models (PostgreSQL, Spark): the same rows as the DuckDB
    Python model of this name (models/intermediate/predictions/clv/), fitted and scored by the
    fit step outside dbt (`python scripts/fit_predictions.py --target NAME`, the same
    retention_clv.frames.score_reference) and read here from its table, after checking that
    it was fitted for this build's as_of_date, settings and purchase summary (macro
    clv_fit_step_check; rules section 9.6). -#}
-- depends_on: {{ ref('int_as_of_date_resolved') }}
-- depends_on: {{ ref('int_customers_purchases_summarized') }}
{{ clv_fit_step_check() }}
select
    {{ clv_typed_columns(clv_score_columns().keys()) }}  -- noqa: CP02

from {{ clv_fit_relation() }}
