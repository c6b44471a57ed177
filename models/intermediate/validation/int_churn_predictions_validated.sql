{#- One row per raw churn_predictions row; valid rows have a NULL reject_reason_code.
    is_latest marks the prediction that counts per customer: the latest predicted_at, ties
    broken by the larger probability. -#}
with

predictions as (

    select * from {{ ref('stg_raw__churn_predictions') }}

),

valid_customers as (

    select customer_id, organization_id
    from {{ valid_rows('int_customers_validated') }}

),

checked as (

    select
        predictions.customer_id,
        valid_customers.organization_id,
        predictions.churn_probability,
        predictions.churn_probability_given,
        predictions.predicted_at,
        predictions.predicted_at_given,
        predictions._raw_row_number,
        predictions.raw_record,
        case
            when valid_customers.customer_id is null then 'unknown_customer'
            when predictions.predicted_at is null and predictions.predicted_at_given is null then 'missing_predicted_at'
            when predictions.predicted_at is null then 'invalid_predicted_at'
            when predictions.churn_probability_given is null then 'missing_churn_probability'
            when predictions.churn_probability is null
                or predictions.churn_probability < 0
                or predictions.churn_probability > 1
                then 'invalid_churn_probability'
        end as reject_reason_code

    from predictions
    left join valid_customers
        on predictions.customer_id = valid_customers.customer_id

),

ranked as (

    select
        *,
        case
            when reject_reason_code is null
                then row_number() over (
                        partition by customer_id, reject_reason_code is null
                        order by predicted_at desc, churn_probability desc
                    ) = 1
            else false
        end as is_latest

    from checked

)

select
    customer_id,
    organization_id,
    churn_probability,
    predicted_at,
    is_latest,
    _raw_row_number,
    reject_reason_code,
    case reject_reason_code
        when 'unknown_customer'
            then 'customer_id ' || coalesce(customer_id, '(blank)')
                || ' is not a valid customer (missing from customers, or rejected there):'
                || ' predict only for loaded customers'
        when 'missing_predicted_at'
            then 'predicted_at is missing for the prediction of customer ' || customer_id
                || ': the model run time decides which prediction is latest'
        when 'invalid_predicted_at'
            then 'predicted_at ' || predicted_at_given || ' of the prediction of customer ' || customer_id
                || ' is not a timestamp'
        when 'missing_churn_probability'
            then 'churn_probability is missing for customer ' || customer_id
        when 'invalid_churn_probability'
            then 'churn_probability ' || churn_probability_given || ' of customer ' || customer_id
                || ' is not a probability in [0, 1]'
    end as reject_reason,
    case when reject_reason_code is not null then raw_record end as raw_record

from ranked
