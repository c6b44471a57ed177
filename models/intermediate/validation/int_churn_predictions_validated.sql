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
        predictions.predicted_at,
        predictions._raw_row_number,
        predictions.raw_record,
        {{ reject_reason_columns([
            ('unknown_customer', 'valid_customers.customer_id is null',
                "'customer_id ' || coalesce(predictions.customer_id, '(blank)') || ' is not a valid customer (missing from customers, or rejected there): predict only for loaded customers'"),
            ('missing_predicted_at', 'predictions.predicted_at is null and predictions.predicted_at_given is null',
                "'predicted_at is missing for the prediction of customer ' || predictions.customer_id || ': the model run time decides which prediction is latest'"),
            ('invalid_predicted_at', 'predictions.predicted_at is null',
                "'predicted_at ' || predictions.predicted_at_given || ' of the prediction of customer ' || predictions.customer_id || ' is not a timestamp'"),
            ('missing_churn_probability', 'predictions.churn_probability_given is null',
                "'churn_probability is missing for customer ' || predictions.customer_id"),
            ('invalid_churn_probability',
                'predictions.churn_probability is null'
                ~ ' or predictions.churn_probability < 0 or predictions.churn_probability > 1',
                "'churn_probability ' || predictions.churn_probability_given || ' of customer ' || predictions.customer_id || ' is not a probability in [0, 1]'"),
        ]) }}

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
    reject_reason,
    case when reject_reason_code is not null then raw_record end as raw_record

from ranked
