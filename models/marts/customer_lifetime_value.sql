{#- One row per valid customer with at least one valid value event before as_of_date: its
    purchase summary (x, t_x, T, m in days), probability of being alive, expected purchases in
    the next 90 days, expected average value and undiscounted expected value of the next 365
    days (spec section 9). Predictions are NULL where the organisation could not be fitted
    (see clv_model_params.reason). -#}
{#- Typed explicitly: a Python model's output has no types of its own when it is empty. -#}
select
    cast(organization_id as {{ dbt.type_string() }}) as organization_id,
    cast(customer_id as {{ dbt.type_string() }}) as customer_id,
    cast(x as {{ dbt.type_bigint() }}) as x,
    cast(t_x as {{ dbt.type_bigint() }}) as t_x,
    cast(T as {{ dbt.type_bigint() }}) as T,  -- noqa: CP02
    cast(m as {{ type_double() }}) as m,
    cast(p_alive as {{ type_double() }}) as p_alive,
    cast(expected_purchases_90d as {{ type_double() }}) as expected_purchases_90d,
    cast(expected_avg_value as {{ type_double() }}) as expected_avg_value,
    cast(clv_365d as {{ type_double() }}) as clv_365d

from {{ ref('int_customers_clv_scored') }}
