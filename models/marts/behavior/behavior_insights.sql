{#- One row per valid organisation: what an account manager acts on. total_customers counts
    the analysed customers; priority_actions are the signals with at least one affected
    customer in priority order (rules section 7). -#}
with

organizations as (

    select organization_id, org_type
    from {{ valid_rows('int_organizations_validated') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

analysis as (

    select organization_id, behavior_score, activity_trend
    from {{ ref('behavior_analysis') }}

),

by_organization as (

    select
        organization_id,
        count(*) as total_customers,
        {{ avg_exact('behavior_score', 2) }} as avg_behavior_score,
        count(case when activity_trend = 'increasing' then 1 end) as customers_increasing,
        count(case when activity_trend = 'stable' then 1 end) as customers_stable,
        count(case when activity_trend = 'declining' then 1 end) as customers_declining,
        count(case when activity_trend = 'unknown' then 1 end) as customers_unknown

    from analysis
    group by organization_id

),

signals as (

    select
        organization_id,
        {{ json_object_agg_text(
            'risk_signal', 'affected_customers', 'affected_customers desc, risk_signal'
        ) }} as top_risk_signals,
        {{ json_object_array_agg_text([
            ('risk_signal', 'risk_signal'),
            ('affected_customers', 'affected_customers'),
            ('urgency', 'urgency'),
            ('percentage', 'percentage'),
        ], 'priority_rank') }} as priority_actions

    from {{ ref('behavior_signal_summary') }}
    where priority_rank is not null
    group by organization_id

),

final as (

    select
        organizations.organization_id,
        organizations.org_type,
        coalesce(by_organization.total_customers, 0) as total_customers,
        {{ round_to('by_organization.avg_behavior_score', 2) }} as avg_behavior_score,
        coalesce(by_organization.customers_increasing, 0) as customers_increasing,
        coalesce(by_organization.customers_stable, 0) as customers_stable,
        coalesce(by_organization.customers_declining, 0) as customers_declining,
        coalesce(by_organization.customers_unknown, 0) as customers_unknown,
        coalesce(signals.top_risk_signals, '{}') as top_risk_signals,
        {{ json_object_text([
            ('increasing', 'coalesce(by_organization.customers_increasing, 0)'),
            ('stable', 'coalesce(by_organization.customers_stable, 0)'),
            ('declining', 'coalesce(by_organization.customers_declining, 0)'),
            ('unknown', 'coalesce(by_organization.customers_unknown, 0)'),
        ]) }} as customers_by_trend,
        coalesce(signals.priority_actions, '[]') as priority_actions,
        as_of.as_of_date

    from organizations
    cross join as_of
    left join by_organization
        on organizations.organization_id = by_organization.organization_id
    left join signals
        on organizations.organization_id = signals.organization_id

)

select * from final
