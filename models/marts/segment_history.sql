{#- One row per customer per as_of_date: the segment each run assigned. Incremental: a run
    replaces the rows of its own as_of_date and leaves every other date as it is, so re-running
    a date is idempotent and a backfill can fill dates in any order (configured in
    dbt_project.yml). A full refresh keeps only this run's date. -#}
select
    organization_id,
    customer_id,
    as_of_date,
    segment,
    segment_score,
    churn_score,
    churn_risk_level,
    rfm_score

from {{ ref('int_customers_segmented') }}
