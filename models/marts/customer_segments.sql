{#- One row per valid customer: its segment (rules section 6) with scores, churn and the
    segment's description and recommended action, then (after the rules' columns) where the
    customer was at the previous run in segment_history and when its segment last changed.
    Only runs before this as_of_date count, so re-running an older date gives the same answer. -#}
with

segmented as (

    select * from {{ ref('int_customers_segmented') }}

),

earlier_runs as (

    select
        history.organization_id,
        history.customer_id,
        history.as_of_date,
        history.segment,
        false as is_current

    from {{ ref('segment_history') }} as history
    inner join segmented
        on history.customer_id = segmented.customer_id
        and history.organization_id = segmented.organization_id
        and history.as_of_date < segmented.as_of_date

),

timeline as (

    select * from earlier_runs
    union all
    select organization_id, customer_id, as_of_date, segment, true as is_current
    from segmented

),

steps as (

    select
        *,
        lag(segment) over (partition by organization_id, customer_id order by as_of_date) as previous_segment,
        lag(as_of_date) over (partition by organization_id, customer_id order by as_of_date) as previous_as_of_date

    from timeline

),

changes as (

    select
        *,
        max(case when segment <> previous_segment then as_of_date end)
            over (partition by organization_id, customer_id) as segment_changed_on

    from steps

),

final as (

    select
        segmented.*,
        changes.previous_segment,
        changes.previous_as_of_date,
        changes.segment_changed_on

    from segmented
    inner join changes
        on segmented.customer_id = changes.customer_id
        and segmented.organization_id = changes.organization_id
        and changes.is_current

)

select * from final
