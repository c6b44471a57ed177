{#- This run's as_of_date in segment_history and behavior_signal_history is exactly
    customer_segments and behavior_analysis: same customers, same values. -#}
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
        history.rfm_score
    from {{ ref('segment_history') }} as history
    inner join as_of on history.as_of_date = as_of.as_of_date
),

segments as (
    select organization_id, customer_id, segment, segment_score, churn_score, churn_risk_level, rfm_score
    from {{ ref('customer_segments') }}
),

signal_history as (
    select
        history.organization_id,
        history.customer_id,
        history.behavior_score,
        history.activity_trend,
        history.risk_signals
    from {{ ref('behavior_signal_history') }} as history
    inner join as_of on history.as_of_date = as_of.as_of_date
),

behavior as (
    select organization_id, customer_id, behavior_score, activity_trend, risk_signals
    from {{ ref('behavior_analysis') }}
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
)

select 'segment_history lacks this customer segment' as problem, customer_id from segments_missing
union all
select 'segment_history row not in customer_segments' as problem, customer_id from segments_extra
union all
select 'behavior_signal_history lacks this analysis' as problem, customer_id from behavior_missing
union all
select 'behavior_signal_history row not in behavior_analysis' as problem, customer_id from behavior_extra
