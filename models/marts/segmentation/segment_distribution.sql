{#- One row per organisation x segment, all 11 segments, zero counts included. -#}
with

organizations as (

    select organization_id
    from {{ valid_rows('int_organizations_validated') }}

),

definitions as (

    select segment, segment_order, description, action from {{ ref('segment_definitions') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

customers as (

    select organization_id, segment, segment_score, churn_score, revenue_at_risk
    from {{ ref('customer_segments') }}

),

segment_totals as (

    select
        organization_id,
        segment,
        count(*) as customer_count,
        -- Summed as decimals: exact whatever the order, so an average that lands on a
        -- rounding boundary rounds the same way on every run and engine.
        {{ avg_exact('segment_score', 2) }} as avg_segment_score,
        {{ avg_exact('churn_score', 10) }} as avg_churn_score,
        {{ sum_exact('revenue_at_risk', 2) }} as revenue_at_risk

    from customers
    group by organization_id, segment

),

organization_totals as (

    select organization_id, count(*) as total_customers
    from customers
    group by organization_id

),

final as (

    select
        organizations.organization_id,
        definitions.segment,
        definitions.segment_order,
        coalesce(segment_totals.customer_count, 0) as customer_count,
        case
            when coalesce(organization_totals.total_customers, 0) = 0 then 0.0
            else {{ round_to(
                '100.0 * coalesce(segment_totals.customer_count, 0) / organization_totals.total_customers', 2
            ) }}
        end as percentage,
        {{ round_to('segment_totals.avg_segment_score', 2) }} as avg_segment_score,
        {{ round_to('segment_totals.avg_churn_score', 4) }} as avg_churn_score,
        {{ round_to('coalesce(segment_totals.revenue_at_risk, 0)', 2) }} as revenue_at_risk,
        definitions.description,
        definitions.action,
        as_of.as_of_date

    from organizations
    cross join definitions
    cross join as_of
    left join segment_totals
        on organizations.organization_id = segment_totals.organization_id
        and definitions.segment = segment_totals.segment
    left join organization_totals
        on organizations.organization_id = organization_totals.organization_id

)

select * from final
