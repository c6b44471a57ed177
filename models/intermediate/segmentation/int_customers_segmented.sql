{#- One row per valid customer: its segment (rules section 6) with scores, churn and the
    segment's description and recommended action; the columns of the customer_segments mart.
    customer_segments adds the customer's segment history; segment_history keeps this run. -#}
with

rfm as (

    select * from {{ ref('int_customers_rfm_scored') }}

),

churn as (

    select customer_id, churn_score, churn_score_source, churn_risk_level
    from {{ ref('int_customers_churn_scored') }}

),

definitions as (

    select segment, description, action from {{ ref('segment_definitions') }}

),

segmented as (

    select
        rfm.*,
        churn.churn_score,
        churn.churn_score_source,
        churn.churn_risk_level,
        {{ segment_case('rfm.r_category', 'rfm.f_category', 'rfm.m_category', 'rfm.e_category',
                        'churn.churn_risk_level', 'rfm.tenure_days') }} as segment

    from rfm
    inner join churn
        on rfm.customer_id = churn.customer_id

),

final as (

    select
        {{ dbt.hash(
            "segmented.organization_id || '|' || segmented.customer_id"
            ~ " || '|' || cast(segmented.as_of_date as " ~ dbt.type_string() ~ ")"
        ) }} as id,
        segmented.customer_id,
        segmented.external_id,
        segmented.organization_id,
        segmented.org_type,
        segmented.segment,
        {{ round_to(
            var('segment_rfm_weight') ~ ' * segmented.rfm_score_exact + ' ~ (1 - var('segment_rfm_weight')) | round(6)
            ~ ' * 100 * (1 - coalesce(segmented.churn_score, ' ~ var('unknown_churn_score') ~ '))', 2) }} as segment_score,
        {{ json_object_text([
            ('R', 'segmented.r_category'), ('F', 'segmented.f_category'),
            ('M', 'segmented.m_category'), ('E', 'segmented.e_category'),
        ]) }} as rfm_category,
        segmented.r_category,
        segmented.f_category,
        segmented.m_category,
        segmented.e_category,
        segmented.recency_days,
        segmented.frequency,
        segmented.monetary,
        segmented.engagement,
        segmented.recency_score,
        segmented.frequency_score,
        segmented.monetary_score,
        segmented.engagement_score,
        {{ round_to('segmented.rfm_score_exact', 2) }} as rfm_score,
        segmented.tenure_days,
        segmented.churn_score,
        segmented.churn_score_source,
        segmented.churn_risk_level,
        {{ round_to('segmented.monetary * coalesce(segmented.churn_score, 0)', 2) }} as revenue_at_risk,
        definitions.description as segment_description,
        definitions.action as recommended_action,
        {{ json_object_text([
            ('description', 'definitions.description'), ('action', 'definitions.action'),
        ]) }} as metadata,
        segmented.as_of_date,
        {{ run_started_at_literal() }} as assigned_at

    from segmented
    left join definitions
        on segmented.segment = definitions.segment

)

select * from final
