{#- One row per valid customer: its churn score, where it came from and its risk level
    (rules section 5). Sources in order of precedence: the uploaded CSV, then the latest valid
    churn_predictions row, then model churn, the CLV models' probability of no value event in
    the next churn_horizon_days (rules section 9.4: where var churn_model_fallback is true; only for customers whose organisation's model converged). Predictions and uploads are used
    whatever their date relative to as_of_date. -#}
{%- set use_model = var('churn_model_fallback') and predictions_enabled() %}
with

customers as (

    select customer_id, organization_id
    from {{ valid_rows('int_customers_validated') }}

),

uploaded as (

    select customer_id, max(churn_score) as churn_score
    from {{ valid_rows('int_churn_upload_validated') }}
    group by customer_id

),

predicted as (

    select customer_id, churn_probability as churn_score
    from {{ valid_rows('int_churn_predictions_validated') }}
    where is_latest

),

{%- if use_model %}

modelled as (

    select customer_id, churn_probability as churn_score
    from {{ ref('int_customers_clv_scored') }}
    where reference = 'as_of' and churn_probability is not null

),
{%- endif %}

resolved as (

    select
        customers.customer_id,
        customers.organization_id,
        coalesce(
            uploaded.churn_score,
            predicted.churn_score
            {%- if use_model %}, modelled.churn_score{% endif %}
        ) as churn_score,
        case
            when uploaded.churn_score is not null then 'upload'
            when predicted.churn_score is not null then 'churn_prediction'
            {%- if use_model %}
            when modelled.churn_score is not null then 'model'
            {%- endif %}
        end as churn_score_source

    from customers
    left join uploaded
        on customers.customer_id = uploaded.customer_id
    left join predicted
        on customers.customer_id = predicted.customer_id
    {%- if use_model %}
    left join modelled
        on customers.customer_id = modelled.customer_id
    {%- endif %}

)

select
    customer_id,
    organization_id,
    churn_score,
    churn_score_source,
    {{ churn_risk_level('churn_score') }} as churn_risk_level

from resolved
