{#- One row per valid customer and reference date at which it has a valid value event before
    that date: the purchase history the CLV models fit (rules section 9), seen from as_of_date
    (reference 'as_of': the predictions) and from calibration_date = as_of_date -
    churn_horizon_days (reference 'calibration': the backtest's refit, with the value days
    that followed until as_of_date). In days; amounts summed per customer and day first.

    Every customer (the conventions of Fader, Hardie & Lee 2005 and `lifetimes`, whose
    observation_period_end is the reference date - 1 day):
      x   = distinct purchase days - 1 (repeat purchase days)
      t_x = days from the first to the last purchase day
      T   = days from the first purchase day to the reference date - 1 day
      m   = mean daily total over the repeat purchase days (first day excluded); NULL when x = 0
    A contractual customer (a contractual value event before the reference date, var
    `contractual_value_types`) is modelled on its contractual events only, in renewal periods
    of P = var `contract_period_days` from its first one:
      periods_paid    = floor((last contractual day - first) / P) + 1
      periods_elapsed = floor((reference date - first) / P)  (periods fully elapsed)
      lapsed          = periods_elapsed >= periods_paid + 1
                     (a whole period went by without a payment after the last paid one)
    The per-day sums come from the one pass over the events (int_customer_events_aggregated). -#}
with

purchase_history as (

    select
        customer_id,
        purchase_days,
        first_purchase_date,
        last_purchase_date,
        repeat_purchase_total,
        first_contract_date,
        last_contract_date,
        contract_amount_total,
        calibration_purchase_days,
        calibration_last_purchase_date,
        calibration_repeat_purchase_total,
        calibration_last_contract_date,
        calibration_contract_amount_total,
        holdout_purchase_days

    from {{ ref('int_customer_events_aggregated') }}
    where purchase_days > 0

),

customers as (

    select customer_id, organization_id
    from {{ valid_rows('int_customers_validated') }}

),

as_of as (

    select as_of_date, calibration_date
    from {{ ref('int_as_of_date_resolved') }}

),

history_at_reference as (

    select
        purchase_history.customer_id,
        'as_of' as reference,
        as_of.as_of_date as reference_date,
        purchase_history.purchase_days,
        purchase_history.first_purchase_date,
        purchase_history.last_purchase_date,
        purchase_history.repeat_purchase_total,
        purchase_history.first_contract_date,
        purchase_history.last_contract_date,
        purchase_history.contract_amount_total,
        cast(null as {{ dbt.type_bigint() }}) as holdout_purchase_days

    from purchase_history
    cross join as_of

    union all

    select
        purchase_history.customer_id,
        'calibration' as reference,
        as_of.calibration_date as reference_date,
        purchase_history.calibration_purchase_days as purchase_days,
        purchase_history.first_purchase_date,
        purchase_history.calibration_last_purchase_date as last_purchase_date,
        purchase_history.calibration_repeat_purchase_total as repeat_purchase_total,
        case
            when purchase_history.calibration_last_contract_date is not null
                then purchase_history.first_contract_date
        end as first_contract_date,
        purchase_history.calibration_last_contract_date as last_contract_date,
        purchase_history.calibration_contract_amount_total as contract_amount_total,
        purchase_history.holdout_purchase_days

    from purchase_history
    cross join as_of
    where purchase_history.calibration_purchase_days > 0

),

periods as (

    select
        *,
        {{ contract_periods('first_contract_date', 'last_contract_date') }} + 1 as periods_paid,
        {{ contract_periods('first_contract_date', 'reference_date') }} as periods_elapsed

    from history_at_reference

)

select
    customers.organization_id,
    periods.customer_id,
    periods.reference,
    periods.reference_date,
    case when periods.last_contract_date is not null then 'contractual' else 'noncontractual' end as setting,
    periods.purchase_days - 1 as x,
    {{ days_between('periods.first_purchase_date', 'periods.last_purchase_date') }} as t_x,
    {{ days_between('periods.first_purchase_date', add_days('periods.reference_date', -1)) }} as T,  -- noqa: CP02
    case
        when periods.purchase_days > 1
            then periods.repeat_purchase_total / (periods.purchase_days - 1)
    end as m,
    periods.last_purchase_date,
    periods.periods_paid,
    periods.periods_elapsed,
    periods.periods_elapsed >= periods.periods_paid + 1 as lapsed,
    periods.contract_amount_total,
    periods.holdout_purchase_days

from periods
inner join customers
    on periods.customer_id = customers.customer_id
