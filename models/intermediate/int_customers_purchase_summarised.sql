{#- One row per valid customer with at least one valid value event before as_of_date: the
    purchase history summary the CLV models fit (spec section 9), in days, with amounts summed
    per customer and day first (the conventions of Fader, Hardie & Lee 2005 and `lifetimes`,
    whose observation_period_end is as_of_date - 1 day):
      x   = distinct purchase days - 1 (repeat purchase days)
      t_x = days from the first to the last purchase day
      T   = days from the first purchase day to as_of_date - 1 day
      m   = mean daily total over the repeat purchase days (first day excluded); NULL when x = 0
    The per-day sums come from the one pass over the events (int_customer_events_aggregated). -#}
with

purchase_history as (

    select customer_id, purchase_days, first_purchase_date, last_purchase_date, repeat_purchase_total
    from {{ ref('int_customer_events_aggregated') }}
    where purchase_days > 0

),

customers as (

    select customer_id, organization_id
    from {{ ref('int_customers_validated') }}
    where reject_reason_code is null

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

)

select
    customers.organization_id,
    purchase_history.customer_id,
    purchase_history.purchase_days - 1 as x,
    {{ days_between('purchase_history.first_purchase_date', 'purchase_history.last_purchase_date') }} as t_x,
    {{ days_between('purchase_history.first_purchase_date', add_days('as_of.as_of_date', -1)) }} as T,  -- noqa: CP02
    case
        when purchase_history.purchase_days > 1
            then purchase_history.repeat_purchase_total / (purchase_history.purchase_days - 1)
    end as m,
    as_of.as_of_date

from purchase_history
inner join customers
    on purchase_history.customer_id = customers.customer_id
cross join as_of
