{#- One row per valid customer: its churn score, where it came from and its risk level
    (spec section 5). Sources in order of precedence: the uploaded CSV, then the latest valid
    churn_predictions row. The model estimate 1 - p_alive (spec section 9: the CLV Python
    models, DuckDB only, var churn_model_fallback) is the third source and joins here, in
    `resolved`, once those models exist. Predictions and uploads are used whatever their date
    relative to as_of_date. -#}
with

customers as (

    select customer_id, organization_id
    from {{ ref('int_customers_validated') }}
    where reject_reason_code is null

),

uploaded as (

    select customer_id, max(churn_score) as churn_score
    from {{ ref('int_churn_upload_validated') }}
    where reject_reason_code is null
    group by customer_id

),

predicted as (

    select customer_id, churn_probability as churn_score
    from {{ ref('int_churn_predictions_validated') }}
    where reject_reason_code is null and is_latest

),

resolved as (

    select
        customers.customer_id,
        customers.organization_id,
        coalesce(uploaded.churn_score, predicted.churn_score) as churn_score,
        case
            when uploaded.churn_score is not null then 'upload'
            when predicted.churn_score is not null then 'churn_prediction'
        end as churn_score_source

    from customers
    left join uploaded
        on customers.customer_id = uploaded.customer_id
    left join predicted
        on customers.customer_id = predicted.customer_id

)

select
    customer_id,
    organization_id,
    churn_score,
    churn_score_source,
    {{ churn_risk_level('churn_score') }} as churn_risk_level

from resolved
