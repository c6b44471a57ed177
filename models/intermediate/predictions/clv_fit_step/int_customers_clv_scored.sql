{#- On engines without dbt Python models (PostgreSQL, Spark): the same rows as the DuckDB
    Python model of this name (models/intermediate/predictions/clv/), fitted and scored by the
    fit step outside dbt (`python scripts/fit_predictions.py --target NAME`, the same
    retention_clv.frames.score_references) and read here from its table, after checking that
    it was fitted for this build's as_of_date, settings and purchase summary (macro
    clv_fit_step_check; rules section 9.6). -#}
-- depends_on: {{ ref('int_as_of_date_resolved') }}
-- depends_on: {{ ref('int_customers_purchases_summarized') }}
{{ clv_fit_step_check() }}
{%- set doubles = ['m', 'p_alive', 'churn_probability', 'expected_purchases_90d', 'expected_avg_value',
                   'clv_365d', 'expected_purchases_horizon', 'r', 'alpha', 'a', 'b', 'sbg_alpha', 'sbg_beta',
                   'log_likelihood', 'p', 'q', 'v', 'gamma_gamma_log_likelihood', 'dropout_probability', 'aic'] %}
select
    cast(organization_id as {{ dbt.type_string() }}) as organization_id,
    cast(customer_id as {{ dbt.type_string() }}) as customer_id,
    cast(reference as {{ dbt.type_string() }}) as reference,
    cast(model as {{ dbt.type_string() }}) as model,
    cast(variant as {{ dbt.type_string() }}) as variant,
    cast(x as {{ dbt.type_bigint() }}) as x,
    cast(t_x as {{ dbt.type_bigint() }}) as t_x,
    cast(T as {{ dbt.type_bigint() }}) as T,  -- noqa: CP02
    cast(periods_paid as {{ dbt.type_bigint() }}) as periods_paid,
    cast(lapsed as {{ dbt.type_boolean() }}) as lapsed,
    cast(customers_fitted as {{ dbt.type_bigint() }}) as customers_fitted,
    cast(converged as {{ dbt.type_boolean() }}) as converged,
    cast(reason as {{ dbt.type_string() }}) as reason,
    cast(fit_variant as {{ dbt.type_string() }}) as fit_variant,
    {%- for column in doubles %}
    cast({{ column }} as {{ type_double() }}) as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}

from {{ clv_fit_relation() }}
