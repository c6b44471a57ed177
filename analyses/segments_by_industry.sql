{#- Segments compared across industries: for each industry and segment, the organisations'
    customers, share of the industry's customers, average segment and churn scores, revenue
    at risk, and the average behaviour score of the segment's customers. -#}
with

segments as (

    select organization_id, org_type, customer_id, segment, segment_score, churn_score, revenue_at_risk
    from {{ ref('customer_segments') }}

),

behaviour as (

    select customer_id, behavior_score
    from {{ ref('behavior_analysis') }}

),

definitions as (

    select segment, segment_order
    from {{ ref('segment_definitions') }}

),

per_segment as (

    select
        segments.org_type,
        segments.segment,
        count(distinct segments.organization_id) as organizations,
        count(*) as customers,
        {{ avg_exact('segments.segment_score', 2) }} as avg_segment_score,
        {{ avg_exact('segments.churn_score', 10) }} as avg_churn_score,
        {{ sum_exact('segments.revenue_at_risk', 2) }} as revenue_at_risk,
        {{ avg_exact('behaviour.behavior_score', 2) }} as avg_behavior_score

    from segments
    left join behaviour
        on segments.customer_id = behaviour.customer_id
    group by segments.org_type, segments.segment

)

select
    per_segment.org_type,
    per_segment.segment,
    per_segment.organizations,
    per_segment.customers,
    {{ round_to(
        '100.0 * per_segment.customers / sum(per_segment.customers) over (partition by per_segment.org_type)', 2
    ) }} as pct_of_industry,
    {{ round_to('per_segment.avg_segment_score', 2) }} as avg_segment_score,
    {{ round_to('per_segment.avg_churn_score', 4) }} as avg_churn_score,
    cast(per_segment.revenue_at_risk as {{ type_double() }}) as revenue_at_risk,
    {{ round_to('per_segment.avg_behavior_score', 2) }} as avg_behavior_score

from per_segment
inner join definitions
    on per_segment.segment = definitions.segment
order by per_segment.org_type, definitions.segment_order
