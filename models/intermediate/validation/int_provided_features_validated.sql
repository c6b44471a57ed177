{#- One row per raw customer_features row (read only when var rfm_source = 'provided'):
    rows of customers that are not valid, or with a score outside 0-100, are rejected (a score
    that is not a finite number reads as missing, i.e. 0); is_latest marks the row used per
    customer (latest calculated_at). -#}
{{ config(enabled=var('rfm_source') == 'provided') }}

with

features as (

    select * from {{ ref('stg_raw__customer_features') }}

),

valid_customers as (

    select customer_id, organization_id
    from {{ valid_rows('int_customers_validated') }}

),

checked as (

    select
        features.*,
        valid_customers.organization_id,
        case
            when valid_customers.customer_id is null then 'unknown_customer'
            when not (
                coalesce(features.recency_score, 0) between 0 and 100
                and coalesce(features.frequency_score, 0) between 0 and 100
                and coalesce(features.monetary_score, 0) between 0 and 100
                and coalesce(features.engagement_score, 0) between 0 and 100
            ) then 'invalid_feature_score'
        end as reject_reason_code

    from features
    left join valid_customers
        on features.customer_id = valid_customers.customer_id

)

select
    customer_id,
    organization_id,
    recency_days,
    frequency,
    monetary,
    engagement,
    recency_score,
    frequency_score,
    monetary_score,
    engagement_score,
    calculated_at,
    case
        when reject_reason_code is null
            then row_number() over (
                partition by customer_id, reject_reason_code is null
                order by calculated_at desc nulls last, _raw_row_number
            ) = 1
        else false
    end as is_latest,
    _raw_row_number,
    reject_reason_code,
    case reject_reason_code
        when 'unknown_customer'
            then 'customer_id ' || coalesce(customer_id, '(blank)')
                || ' is not a valid customer (missing from customers, or rejected there)'
        when 'invalid_feature_score'
            then 'a score of customer ' || customer_id || ' is outside 0-100: scores are percentiles'
    end as reject_reason,
    case when reject_reason_code is not null then raw_record end as raw_record

from checked
