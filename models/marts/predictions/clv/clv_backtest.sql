{#- One row per organisation and non-contractual model it has customers for at
    calibration_date: the purchase days the models refitted on the history before
    calibration_date expected in [calibration_date, as_of_date), summed over those
    customers, against the distinct value-event days they actually had there (rules section
    9.5). percentage_error = 100 * (predicted - actual) / actual. -#}
with

predicted as (

    select organization_id, customer_id, model, expected_purchases_horizon
    from {{ ref('int_customers_clv_scored') }}
    where reference = 'calibration' and model <> 'sbg'

),

actual as (

    select customer_id, holdout_purchase_days
    from {{ ref('int_customers_purchases_summarized') }}
    where reference = 'calibration'

),

as_of as (

    select calibration_date
    from {{ ref('int_as_of_date_resolved') }}

),

per_model as (

    select
        cast(predicted.organization_id as {{ dbt.type_string() }}) as organization_id,
        cast(predicted.model as {{ dbt.type_string() }}) as model,
        count(*) as customers,
        -- NULL when the calibration fit is missing (its customers have no expectation)
        case
            when count(predicted.expected_purchases_horizon) = count(*)
                then sum(cast(predicted.expected_purchases_horizon as {{ type_double() }}))
        end as predicted_purchases,
        cast(sum(actual.holdout_purchase_days) as {{ dbt.type_bigint() }}) as actual_purchases

    from predicted
    inner join actual
        on predicted.customer_id = actual.customer_id
    group by predicted.organization_id, predicted.model

)

select
    per_model.organization_id,
    per_model.model,
    as_of.calibration_date,
    {{ var('churn_horizon_days') }} as horizon_days,
    per_model.customers,
    per_model.predicted_purchases,
    per_model.actual_purchases,
    case
        when per_model.actual_purchases > 0
            then {{ round_to(
                '100 * (per_model.predicted_purchases - per_model.actual_purchases) / per_model.actual_purchases', 2
            ) }}
    end as percentage_error

from per_model
cross join as_of
