{#- One customer's full profile: segment and scores, churn, behaviour, every fired signal with
    its recommendation, and lifetime value where the CLV models ran (DuckDB): the customer's
    model (clv_model: mbgnbd, bgnbd or sbg) and its model churn (model_churn_probability, the
    probability of no value event in the next churn_horizon_days; the churn score only where
    churn_score_source is model).
    dbt compile --select analysis:customer_profile --vars '{profile_customer_id: <id>}' -#}
with

segment as (

    select *
    from {{ ref('customer_segments') }}
    where customer_id = '{{ var("profile_customer_id", "") }}'

),

behaviour as (

    select
        customer_id, behavior_score, activity_trend, value_trend, engagement_trend,
        activity_last, activity_prev, value_last, value_prev, metadata as behavior_metadata
    from {{ ref('behavior_analysis') }}

),

signals as (

    select
        customer_id,
        {{ json_object_agg_text('risk_signal', 'recommendation', 'risk_signal') }} as risk_signals

    from {{ ref('behavior_risk_signals') }}
    group by customer_id

){%- if target.type == 'duckdb' %},

lifetime_value as (

    select customer_id, model, p_alive, churn_probability, expected_purchases_90d, expected_avg_value, clv_365d
    from {{ ref('customer_lifetime_value') }}

){%- endif %}

select
    segment.organization_id,
    segment.customer_id,
    segment.external_id,
    segment.segment,
    segment.segment_score,
    segment.rfm_score,
    segment.r_category,
    segment.f_category,
    segment.m_category,
    segment.e_category,
    segment.recency_days,
    segment.frequency,
    segment.monetary,
    segment.engagement,
    segment.tenure_days,
    segment.churn_score,
    segment.churn_score_source,
    segment.churn_risk_level,
    segment.revenue_at_risk,
    segment.recommended_action,
    behaviour.behavior_score,
    behaviour.activity_trend,
    behaviour.value_trend,
    behaviour.engagement_trend,
    behaviour.activity_last,
    behaviour.activity_prev,
    behaviour.value_last,
    behaviour.value_prev,
    coalesce(signals.risk_signals, '{}') as risk_signals,
    {%- if target.type == 'duckdb' %}
    lifetime_value.model as clv_model,
    lifetime_value.p_alive,
    lifetime_value.churn_probability as model_churn_probability,
    lifetime_value.expected_purchases_90d,
    lifetime_value.clv_365d,
    {%- endif %}
    segment.as_of_date

from segment
left join behaviour
    on segment.customer_id = behaviour.customer_id
left join signals
    on segment.customer_id = signals.customer_id
{%- if target.type == 'duckdb' %}
left join lifetime_value
    on segment.customer_id = lifetime_value.customer_id
{%- endif %}
