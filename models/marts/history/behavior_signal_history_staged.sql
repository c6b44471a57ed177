{#- The behavior_signal_history rows this run commits: its analysed customers' behaviour
    score, activity trend and risk signals at its as_of_date. -#}
select
    organization_id,
    customer_id,
    as_of_date,
    behavior_score,
    activity_trend,
    risk_signals

from {{ ref('behavior_analysis') }}
