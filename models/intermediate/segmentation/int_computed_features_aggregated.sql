{#- One row per valid customer: RFM + engagement features over the lookback and tenure
    (rules section 4), from the per-customer event aggregates. Customers without events have
    frequency, monetary and engagement 0 and recency NULL. -#}
with

customers as (

    select customer_id, organization_id, org_type, external_id, signup_date
    from {{ valid_rows('int_customers_validated') }}

),

customer_events as (

    select customer_id, first_event_date, last_value_event_date, frequency, monetary, engagement
    from {{ ref('int_customer_events_aggregated') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

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
