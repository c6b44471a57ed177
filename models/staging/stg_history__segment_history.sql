{#- The committed segment history: one row per customer per as_of_date a passed build wrote. -#}
select
    organization_id,
    customer_id,
    as_of_date,
    segment,
    segment_score,
    churn_score,
    churn_risk_level,
    rfm_score,
    previous_segment,
    previous_as_of_date,
    segment_changed_on

from {{ source('history', 'segment_history') }}
