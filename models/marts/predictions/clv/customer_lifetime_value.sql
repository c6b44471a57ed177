{#- One row per valid customer with at least one valid value event before as_of_date: its
    model (sbg for a contractual customer, else var clv_noncontractual_model), purchase
    summary (x, t_x, T, m in days; periods paid and lapsed when contractual), probability of
    being alive, model churn (no value event in the next churn_horizon_days), expected
    purchases or paid periods in the next 90 days, expected value of one, and undiscounted
    expected value of the next 365 days (rules section 9), from its organisation's published
    variant of the model (variant). Predictions are NULL where the
    organisation's model could not be fitted (see clv_model_params.reason). -#}
{#- Typed explicitly: a Python model's output has no types of its own when it is empty. -#}
select
    cast(organization_id as {{ dbt.type_string() }}) as organization_id,
    cast(customer_id as {{ dbt.type_string() }}) as customer_id,
    cast(model as {{ dbt.type_string() }}) as model,
    cast(variant as {{ dbt.type_string() }}) as variant,
    cast(x as {{ dbt.type_bigint() }}) as x,
    cast(t_x as {{ dbt.type_bigint() }}) as t_x,
    cast(T as {{ dbt.type_bigint() }}) as T,  -- noqa: CP02
    cast(m as {{ type_double() }}) as m,
    cast(periods_paid as {{ dbt.type_bigint() }}) as periods_paid,
    cast(lapsed as {{ dbt.type_boolean() }}) as lapsed,
    cast(p_alive as {{ type_double() }}) as p_alive,
    cast(churn_probability as {{ type_double() }}) as churn_probability,
    cast(expected_purchases_90d as {{ type_double() }}) as expected_purchases_90d,
    cast(expected_avg_value as {{ type_double() }}) as expected_avg_value,
    cast(clv_365d as {{ type_double() }}) as clv_365d

from {{ ref('int_customers_clv_scored') }}
where reference = 'as_of'
