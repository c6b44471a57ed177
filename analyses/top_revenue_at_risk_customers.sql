{#- The customers with the most revenue at risk, per organisation (var `top_n`, default 20):
    who they are, why they are at risk and what to do.
    dbt compile --select analysis:top_revenue_at_risk_customers, then run the SQL in
    target/compiled/retention_analytics/analyses/. -#}
with

segments as (

    select
        organization_id, customer_id, external_id, segment, segment_score, churn_score,
        churn_risk_level, revenue_at_risk, monetary, recommended_action
    from {{ ref('customer_segments') }}
    where revenue_at_risk > 0

),

behaviour as (

    select customer_id, behavior_score, activity_trend, risk_signals
    from {{ ref('behavior_analysis') }}

),

ranked as (

    select
        segments.*,
        behaviour.behavior_score,
        behaviour.activity_trend,
        behaviour.risk_signals,
        row_number() over (
            partition by segments.organization_id
            order by segments.revenue_at_risk desc, segments.customer_id asc
        ) as risk_rank

    from segments
    left join behaviour
        on segments.customer_id = behaviour.customer_id

)

select *
from ranked
where risk_rank <= {{ var('top_n', 20) }}
order by organization_id, risk_rank
