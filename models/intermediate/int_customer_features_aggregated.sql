{#- One row per valid customer: RFM + engagement features over the lookback and tenure
    (spec section 4), from one pass over the valid events. Customers without events have
    frequency, monetary and engagement 0 and recency NULL. -#}
with

customers as (

    select customer_id, organization_id, org_type, external_id, signup_date
    from {{ ref('int_customers_validated') }}
    where reject_reason_code is null

),

valid_events as (

    select customer_id, occurred_at, is_value_event, amount
    from {{ ref('int_transactions_validated') }}
    where reject_reason_code is null

),

as_of as (

    select as_of_date, lookback_start from {{ ref('int_as_of_date_resolved') }}

),

events_before_as_of as (

    select
        valid_events.customer_id,
        cast(valid_events.occurred_at as date) as event_date,
        valid_events.is_value_event,
        valid_events.amount,
        valid_events.occurred_at >= as_of.lookback_start as is_in_lookback

    from valid_events
    cross join as_of
    where valid_events.occurred_at < as_of.as_of_date

),

customer_events as (

    select
        customer_id,
        max(case when is_in_lookback and is_value_event then event_date end) as last_value_event_date,
        count(case when is_in_lookback and is_value_event then 1 end) as frequency,
        cast(round({{ sum_exact('case when is_in_lookback and is_value_event then coalesce(amount, 0) end') }}, 2) as {{ type_double() }}) as monetary,
        count(distinct case when is_in_lookback then event_date end) as engagement,
        min(event_date) as first_event_date

    from events_before_as_of
    group by customer_id

),

joined as (

    select
        customers.customer_id,
        customers.organization_id,
        customers.org_type,
        customers.external_id,
        customers.signup_date,
        customer_events.first_event_date,
        as_of.as_of_date,
        {{ days_between('customer_events.last_value_event_date', 'as_of.as_of_date') }} as recency_days,
        coalesce(customer_events.frequency, 0) as frequency,
        coalesce(customer_events.monetary, 0) as monetary,
        coalesce(customer_events.engagement, 0) as engagement,
        case
            when customers.signup_date is null then customer_events.first_event_date
            when customer_events.first_event_date is null then customers.signup_date
            when customers.signup_date < customer_events.first_event_date then customers.signup_date
            else customer_events.first_event_date
        end as first_seen_date

    from customers
    cross join as_of
    left join customer_events
        on customers.customer_id = customer_events.customer_id

)

select
    customer_id,
    organization_id,
    org_type,
    external_id,
    signup_date,
    first_event_date,
    as_of_date,
    recency_days,
    frequency,
    monetary,
    engagement,
    {{ days_between('first_seen_date', 'as_of_date') }} as tenure_days

from joined
