{#- The segment_migration rows this run commits: for each organisation, the pair of runs
    ending at this as_of_date and, for a backfill, the pairs ending at the later runs it
    rewrites. A pair has all 11 x 11 from-segment x to-segment cells (zeros kept); only
    customers present in both runs count, which are the rewritten rows with a
    previous_segment, so a run reads nothing but its own staged rows. -#}
with

runs as (

    select organization_id, previous_as_of_date, as_of_date
    from {{ ref('history_runs_staged') }}
    where previous_as_of_date is not null

),

history as (

    select organization_id, as_of_date, previous_segment, segment
    from {{ ref('segment_history_staged') }}
    where previous_segment is not null

),

definitions as (

    select segment from {{ ref('segment_definitions') }}

),

moves as (

    select
        organization_id,
        as_of_date,
        previous_segment as from_segment,
        segment as to_segment,
        count(*) as customer_count

    from history
    group by organization_id, as_of_date, previous_segment, segment

),

cells as (

    select
        runs.organization_id,
        runs.previous_as_of_date as from_as_of_date,
        runs.as_of_date as to_as_of_date,
        from_segments.segment as from_segment,
        to_segments.segment as to_segment,
        coalesce(moves.customer_count, 0) as customer_count

    from runs
    cross join definitions as from_segments
    cross join definitions as to_segments
    left join moves
        on runs.organization_id = moves.organization_id
        and runs.as_of_date = moves.as_of_date
        and from_segments.segment = moves.from_segment
        and to_segments.segment = moves.to_segment

),

row_totals as (

    select
        *,
        sum(customer_count) over (
            partition by organization_id, to_as_of_date, from_segment
        ) as from_segment_customers

    from cells

),

final as (

    select
        organization_id,
        from_as_of_date,
        to_as_of_date,
        from_segment,
        to_segment,
        customer_count,
        case
            when from_segment_customers = 0 then 0.0
            else {{ round_to('100.0 * customer_count / from_segment_customers', 2) }}
        end as percentage

    from row_totals

)

select * from final
