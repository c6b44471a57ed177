{#- One row per customer and churn source scored at the backtest's calibration_date
    (as_of_date - churn_horizon_days, rules section 9.5), with what happened next.
    Population: valid customers with a valid value event before calibration_date.
    is_churned: no valid value event in [calibration_date, as_of_date).
    Sources, each backtested whatever the precedence of section 5 and churn_model_fallback:
      churn_prediction  the latest valid churn_predictions row with predicted_at before
                        calibration_date (ties: the larger probability), as a score would
                        have been chosen then
      model             model churn of the models refitted on the history before
                        calibration_date (every engine with predictions)
      recency           days from the last value event to calibration_date (a ranking, not a
                        probability)
    The upload carries no date, so it cannot be put back in time and is not backtested. -#}
{%- set use_model = predictions_enabled() %}
with

population as (

    select
        organization_id,
        customer_id,
        reference_date as calibration_date,
        last_purchase_date,
        holdout_purchase_days = 0 as is_churned

    from {{ ref('int_customers_purchases_summarized') }}
    where reference = 'calibration'

),

predictions as (

    select customer_id, churn_probability, predicted_at
    from {{ valid_rows('int_churn_predictions_validated') }}

),

predictions_before_calibration as (

    select
        population.organization_id,
        population.customer_id,
        population.is_churned,
        population.calibration_date,
        predictions.churn_probability,
        row_number() over (
            partition by population.customer_id
            order by predictions.predicted_at desc, predictions.churn_probability desc
        ) as newest_first

    from population
    inner join predictions
        on population.customer_id = predictions.customer_id
        and predictions.predicted_at < cast(population.calibration_date as {{ dbt.type_timestamp() }})

)

select
    organization_id,
    customer_id,
    'churn_prediction' as source,
    cast(churn_probability as {{ type_double() }}) as score,
    is_churned,
    calibration_date

from predictions_before_calibration
where newest_first = 1

union all

select
    organization_id,
    customer_id,
    'recency' as source,
    cast({{ days_between('last_purchase_date', 'calibration_date') }} as {{ type_double() }}) as score,
    is_churned,
    calibration_date

from population

{%- if use_model %}

union all

select
    population.organization_id,
    population.customer_id,
    'model' as source,
    cast(modelled.churn_probability as {{ type_double() }}) as score,
    population.is_churned,
    population.calibration_date

from {{ ref('int_customers_clv_scored') }} as modelled
inner join population
    on modelled.customer_id = population.customer_id
where modelled.reference = 'calibration' and modelled.churn_probability is not null
{%- endif %}
