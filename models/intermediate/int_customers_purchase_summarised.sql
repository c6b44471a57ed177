{#- One row per valid customer with at least one valid value event before as_of_date: the
    purchase history summary the CLV models fit (spec section 9), in days, with amounts summed
    per customer and day first (the conventions of Fader, Hardie & Lee 2005 and `lifetimes`,
    whose observation_period_end is as_of_date - 1 day):
      x   = distinct purchase days - 1 (repeat purchase days)
      t_x = days from the first to the last purchase day
      T   = days from the first purchase day to as_of_date - 1 day
      m   = mean daily total over the repeat purchase days (first day excluded); NULL when x = 0 -#}
with

value_events as (

    select customer_id, organization_id, cast(occurred_at as date) as purchase_date, coalesce(amount, 0) as amount
    from {{ ref('int_transactions_validated') }}
    where reject_reason_code is null and is_value_event

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

purchase_days as (

    select
        value_events.organization_id,
        value_events.customer_id,
        value_events.purchase_date,
        {{ sum_exact('value_events.amount') }} as day_total

    from value_events
    cross join as_of
    where value_events.purchase_date < as_of.as_of_date
    group by value_events.organization_id, value_events.customer_id, value_events.purchase_date

),

ordered_days as (

    select
        *,
        min(purchase_date) over (partition by customer_id) as first_purchase_date

    from purchase_days

),

per_customer as (

    select
        organization_id,
        customer_id,
        count(*) - 1 as x,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        sum(case when purchase_date > first_purchase_date then day_total end) as repeat_total

    from ordered_days
    group by organization_id, customer_id

)

select
    per_customer.organization_id,
    per_customer.customer_id,
    per_customer.x,
    {{ days_between('per_customer.first_purchase_date', 'per_customer.last_purchase_date') }} as t_x,
    {{ days_between('per_customer.first_purchase_date', add_days('as_of.as_of_date', -1)) }} as T,
    case
        when per_customer.x > 0 then cast(per_customer.repeat_total / per_customer.x as {{ type_double() }})
    end as m,
    as_of.as_of_date

from per_customer
cross join as_of
