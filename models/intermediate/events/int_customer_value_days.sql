{#- One row per customer and UTC day with a valid value event before as_of_date (all history,
    not the RFM lookback): the day's amounts summed as exact decimals (NULL counts 0), and
    those of its contractual value events (var `contractual_value_types`) apart. Two readers
    share this one read of the value events: the CLV models' purchase history (the event
    pass, job 5) and the acquisition cohorts (cohort_retention), which need a customer's
    value per day and month rather than per customer. A customer has a few value days
    against the hundred events a year the event pass reads. Its organisation is the
    customer's (int_customers_validated): reading it from every event would double the cost. -#}
with

as_of as (

    select as_of_date
    from {{ ref('int_as_of_date_resolved') }}

),

value_events as (

    select
        events.customer_id,
        cast(events.occurred_at as date) as event_date,
        coalesce(events.amount, 0) as amount,
        {{ is_contractual_event('events.org_type', 'events.transaction_type') }} as is_contractual_event

    from {{ valid_rows('int_transactions_validated', 'events') }}
    cross join as_of
    where events.is_value_event
        and events.occurred_at < as_of.as_of_date

)

select
    customer_id,
    event_date,
    {{ sum_exact('amount') }} as day_total,
    {{ sum_exact('case when is_contractual_event then amount end') }} as contract_day_total,
    count(case when is_contractual_event then 1 end) > 0 as is_contract_day

from value_events
group by customer_id, event_date
