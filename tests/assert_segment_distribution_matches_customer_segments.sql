{#- segment_distribution counts are the customer_segments counts, every organisation has all
    11 segments, and the percentages add up to 100 (or 0 for an organisation without
    customers) within rounding. -#}
with

distribution as (
    select * from {{ ref('segment_distribution') }}
),

segments as (
    select organization_id, segment, count(*) as customer_count
    from {{ ref('customer_segments') }}
    group by organization_id, segment
),

count_mismatches as (
    select distribution.organization_id, distribution.segment, 'count differs' as problem
    from distribution
    full outer join segments
        on distribution.organization_id = segments.organization_id
        and distribution.segment = segments.segment
    where coalesce(distribution.customer_count, -1) != coalesce(segments.customer_count, 0)
),

organization_totals as (
    select
        organization_id,
        count(*) as segment_rows,
        sum(customer_count) as customers,
        sum(percentage) as percentage_total
    from distribution
    group by organization_id
),

total_problems as (
    select
        organization_id,
        cast(null as {{ dbt.type_string() }}) as segment,
        'not 11 segments or percentages do not add up' as problem
    from organization_totals
    where segment_rows != 11
        or (customers > 0 and abs(percentage_total - 100) > 0.06)
        or (customers = 0 and percentage_total != 0)
)

select * from count_mismatches
union all
select * from total_problems
