{#- One row per analysed customer (a valid customer with at least one valid event before
    as_of_date, rules section 7): the event aggregates with the customer's organisation,
    industry and plan, ready for the behaviour rules. -#}
with

metrics as (

    select * from {{ ref('int_customer_events_aggregated') }}

),

customers as (

    select customer_id, organization_id, org_type, plan_allowance_mb
    from {{ valid_rows('int_customers_validated') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

)

select
    customers.organization_id,
    customers.org_type,
    customers.plan_allowance_mb,
    as_of.as_of_date,
    metrics.*

from metrics
inner join customers
    on metrics.customer_id = customers.customer_id
cross join as_of
