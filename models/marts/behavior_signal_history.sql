{#- One row per analysed customer per as_of_date: behaviour score, activity trend and the risk
    signals each run found. Incremental like segment_history: a run replaces its own date. -#}
select
    organization_id,
    customer_id,
    as_of_date,
    behavior_score,
    activity_trend,
    risk_signals

from {{ ref('behavior_analysis') }}
