{#- One row per valid customer with at least one valid value event before as_of_date: its
    model (sbg for a contractual customer, else var clv_noncontractual_model), purchase
    summary (x, t_x, T, m in days; periods paid and lapsed when contractual), probability of
    being alive, model churn (no value event in the next churn_horizon_days), expected
    purchases or paid periods in the next 90 days, expected value of one, and undiscounted
    expected value of the next 365 days (rules section 9), from its organisation's published
    variant of the model (variant). Predictions are NULL where the
    organisation's model could not be fitted (see clv_model_params.reason). -#}
{#- Typed explicitly (macro clv_typed_columns): a Python model's empty output has no types. -#}
select
    {{ clv_typed_columns([
        'organization_id', 'customer_id', 'model', 'variant', 'x', 't_x', 'T', 'm',
        'periods_paid', 'lapsed', 'p_alive', 'churn_probability', 'expected_purchases_90d',
        'expected_avg_value', 'clv_365d'
    ]) }}  -- noqa: CP02

from {{ ref('int_customers_clv_scored') }}
where reference = 'as_of'
