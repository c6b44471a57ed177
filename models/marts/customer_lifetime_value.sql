{#- One row per valid customer with at least one valid value event before as_of_date: its
    purchase summary (x, t_x, T, m in days), probability of being alive, expected purchases in
    the next 90 days, expected average value and undiscounted expected value of the next 365
    days (spec section 9). Predictions are NULL where the organisation could not be fitted
    (see clv_model_params.reason). -#}
select
    organization_id,
    customer_id,
    x,
    t_x,
    T,
    m,
    p_alive,
    expected_purchases_90d,
    expected_avg_value,
    clv_365d

from {{ ref('int_customers_clv_scored') }}
