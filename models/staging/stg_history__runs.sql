{#- The committed run log: one row per organisation and as_of_date a passed build wrote. -#}
select
    organization_id,
    as_of_date,
    previous_as_of_date,
    segmented_customers

from {{ source('history', 'history_runs') }}
