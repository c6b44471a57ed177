{#- What this run commits at its as_of_date is exactly what it publishes: segment_history_staged
    and behavior_signal_history_staged hold customer_segments and behavior_analysis (same
    customers, same values), and history_runs_staged counts those customers. -#}
with

as_of as (
    select as_of_date from {{ ref('int_as_of_date_resolved') }}
),

segment_history as (
    select
        history.organization_id,
        history.customer_id,
        history.segment,
        history.segment_score,
        history.churn_score,
        history.churn_risk_level,
        history.rfm_score,
        history.previous_segment,
        history.previous_as_of_date,
        history.segment_changed_on
    from {{ ref('segment_history_staged') }} as history
    inner join as_of on history.as_of_date = as_of.as_of_date
),

segments as (
    select
        organization_id, customer_id, segment, segment_score, churn_score, churn_risk_level, rfm_score,
        previous_segment, previous_as_of_date, segment_changed_on
    from {{ ref('customer_segments') }}
),

signal_history as (
    select
        history.organization_id,
        history.customer_id,
        history.behavior_score,
        history.activity_trend,
        history.risk_signals
    from {{ ref('behavior_signal_history_staged') }} as history
    inner join as_of on history.as_of_date = as_of.as_of_date
),

behavior as (
    select organization_id, customer_id, behavior_score, activity_trend, risk_signals
    from {{ ref('behavior_analysis') }}
),

runs as (
    select runs.organization_id, runs.segmented_customers
    from {{ ref('history_runs_staged') }} as runs
    inner join as_of on runs.as_of_date = as_of.as_of_date
),

segment_counts as (
    select organization_id, count(*) as segmented_customers
    from segments
    group by organization_id
),

segments_missing as (
    select * from segments
    except
    select * from segment_history
),

segments_extra as (
    select * from segment_history
    except
    select * from segments
),

behavior_missing as (
    select * from behavior
    except
    select * from signal_history
),

behavior_extra as (
    select * from signal_history
    except
    select * from behavior
),

runs_wrong as (
    select coalesce(runs.organization_id, segment_counts.organization_id) as organization_id
    from runs
    full outer join segment_counts on runs.organization_id = segment_counts.organization_id
    where runs.segmented_customers is null
        or segment_counts.segmented_customers is null
        or runs.segmented_customers != segment_counts.segmented_customers
)

select 'segment_history lacks this customer segment' as problem, customer_id from segments_missing
union all
select 'segment_history row not in customer_segments' as problem, customer_id from segments_extra
union all
select 'behavior_signal_history lacks this analysis' as problem, customer_id from behavior_missing
union all
select 'behavior_signal_history row not in behavior_analysis' as problem, customer_id from behavior_extra
union all
select 'history_runs does not count the customers segmented' as problem, organization_id as customer_id from runs_wrong
