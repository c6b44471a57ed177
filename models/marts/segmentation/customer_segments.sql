{#- One row per valid customer: its segment (rules section 6) with scores, churn and the
    segment's description and recommended action, then (after the rules' columns) where the
    customer was at the organisation's previous run and since when it is in its segment, as
    this run writes them to segment_history. -#}
with

segmented as (

    select * from {{ ref('int_customers_segmented') }}

),

history as (

    select
        organization_id,
        customer_id,
        as_of_date,
        previous_segment,
        previous_as_of_date,
        segment_changed_on

    from {{ ref('segment_history_staged') }}

),

final as (

    select
        segmented.*,
        history.previous_segment,
        history.previous_as_of_date,
        history.segment_changed_on

    from segmented
    inner join history
        on segmented.customer_id = history.customer_id
        and segmented.organization_id = history.organization_id
        and segmented.as_of_date = history.as_of_date

)

select * from final
