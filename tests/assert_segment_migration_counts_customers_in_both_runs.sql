{#- segment_migration, recomputed from segment_history: an organisation with n run dates has
    n - 1 pairs of consecutive runs, each with all 11 x 11 cells; a from-segment's row sums to
    its customers present in both runs, and its percentages to 100 (within rounding). -#}
with

history as (
    select organization_id, customer_id, as_of_date, segment from {{ ref('segment_history') }}
),

migration as (
    select * from {{ ref('segment_migration') }}
),

run_dates as (
    select organization_id, count(distinct as_of_date) as runs
    from history
    group by organization_id
),

pairs as (
    select organization_id, count(distinct from_as_of_date) as pairs, count(*) as cells
    from migration
    group by organization_id
),

pair_problems as (
    select run_dates.organization_id, 'not one pair per consecutive runs with 121 cells each' as problem
    from run_dates
    left join pairs on run_dates.organization_id = pairs.organization_id
    where coalesce(pairs.pairs, 0) != run_dates.runs - 1
        or coalesce(pairs.cells, 0) != 121 * (run_dates.runs - 1)
),

in_both_runs as (
    select earlier.organization_id, run_pairs.from_as_of_date, earlier.segment as from_segment, count(*) as customers
    from (select distinct organization_id, from_as_of_date, to_as_of_date from migration) as run_pairs
    inner join history as earlier
        on run_pairs.organization_id = earlier.organization_id
        and run_pairs.from_as_of_date = earlier.as_of_date
    inner join history as later
        on earlier.organization_id = later.organization_id
        and earlier.customer_id = later.customer_id
        and run_pairs.to_as_of_date = later.as_of_date
    group by earlier.organization_id, run_pairs.from_as_of_date, earlier.segment
),

row_sums as (
    select
        organization_id,
        from_as_of_date,
        from_segment,
        sum(customer_count) as customers,
        sum(percentage) as percentage_total
    from migration
    group by organization_id, from_as_of_date, from_segment
),

row_problems as (
    select row_sums.organization_id, 'row sum or percentages wrong' as problem
    from row_sums
    left join in_both_runs
        on row_sums.organization_id = in_both_runs.organization_id
        and row_sums.from_as_of_date = in_both_runs.from_as_of_date
        and row_sums.from_segment = in_both_runs.from_segment
    where row_sums.customers != coalesce(in_both_runs.customers, 0)
        or (row_sums.customers = 0 and row_sums.percentage_total != 0)
        or (row_sums.customers > 0 and abs(row_sums.percentage_total - 100) > 0.06)
)

select * from pair_problems
union all
select * from row_problems
