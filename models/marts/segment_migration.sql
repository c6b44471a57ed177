{#- Per organisation and pair of consecutive as_of_dates in its segment_history: how many
    customers moved from each segment to each segment, all 11 x 11 cells with zeros kept. Only
    customers present in both runs count, so a from-segment's row sums to its customers that
    are still there, and percentage (of that row sum) adds up to 100. -#}
with

history as (

    select organization_id, customer_id, as_of_date, segment
    from {{ ref('segment_history') }}

),

definitions as (

    select segment from {{ ref('segment_definitions') }}

),

run_dates as (

    select distinct organization_id, as_of_date
    from history

),

consecutive_runs as (

    select
        organization_id,
        as_of_date as from_as_of_date,
        lead(as_of_date) over (partition by organization_id order by as_of_date) as to_as_of_date

    from run_dates

),

run_pairs as (

    select * from consecutive_runs
    where to_as_of_date is not null

),

moves as (

    select
        run_pairs.organization_id,
        run_pairs.from_as_of_date,
        run_pairs.to_as_of_date,
        earlier.segment as from_segment,
        later.segment as to_segment,
        count(*) as customer_count

    from run_pairs
    inner join history as earlier
        on run_pairs.organization_id = earlier.organization_id
        and run_pairs.from_as_of_date = earlier.as_of_date
    inner join history as later
        on earlier.organization_id = later.organization_id
        and earlier.customer_id = later.customer_id
        and run_pairs.to_as_of_date = later.as_of_date
    group by
        run_pairs.organization_id,
        run_pairs.from_as_of_date,
        run_pairs.to_as_of_date,
        earlier.segment,
        later.segment

),

cells as (

    select
        run_pairs.organization_id,
        run_pairs.from_as_of_date,
        run_pairs.to_as_of_date,
        from_segments.segment as from_segment,
        to_segments.segment as to_segment,
        coalesce(moves.customer_count, 0) as customer_count

    from run_pairs
    cross join definitions as from_segments
    cross join definitions as to_segments
    left join moves
        on run_pairs.organization_id = moves.organization_id
        and run_pairs.from_as_of_date = moves.from_as_of_date
        and from_segments.segment = moves.from_segment
        and to_segments.segment = moves.to_segment

),

row_totals as (

    select
        *,
        sum(customer_count) over (
            partition by organization_id, from_as_of_date, from_segment
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
