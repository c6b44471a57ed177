{#- One row per valid organisation: customers, how many were analysed, and an error per
    customer without any valid event before as_of_date. -#}
with

organizations as (

    select organization_id
    from {{ valid_rows('int_organizations_validated') }}

),

customers as (

    select customer_id, organization_id
    from {{ valid_rows('int_customers_validated') }}

),

analysed as (

    select customer_id from {{ ref('behavior_analysis') }}

),

per_customer as (

    select
        customers.organization_id,
        customers.customer_id,
        analysed.customer_id is not null as is_analyzed

    from customers
    left join analysed
        on customers.customer_id = analysed.customer_id

),

by_organization as (

    select
        organization_id,
        count(*) as total_customers,
        count(case when is_analyzed then 1 end) as analyzed,
        count(case when not is_analyzed then 1 end) as error_count,
        {{ json_array_agg_text(
            "case when not is_analyzed then 'Error analyzing customer ' || customer_id || ': no transactions' end",
            'customer_id') }} as errors

    from per_customer
    group by organization_id

)

select
    organizations.organization_id,
    coalesce(by_organization.total_customers, 0) as total_customers,
    coalesce(by_organization.analyzed, 0) as analyzed,
    coalesce(by_organization.error_count, 0) as error_count,
    coalesce(by_organization.errors, '[]') as errors

from organizations
left join by_organization
    on organizations.organization_id = by_organization.organization_id
