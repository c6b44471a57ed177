{#- The migration pairs this run commits, recomputed by joining customers instead of through
    the carried previous_segment: each rewritten run with a previous run has one pair with all
    11 x 11 cells; a from-segment's row sums to its customers present in both runs (the earlier
    run's rows read from the committed history, or from this run's when it rewrote them), and
    its percentages to 100 (within rounding). Reads only the runs this run touched. -#}
with

migration as (
    select * from {{ ref('segment_migration_staged') }}
),

runs as (
    select organization_id, previous_as_of_date, as_of_date
    from {{ ref('history_runs_staged') }}
    where previous_as_of_date is not null
),

segments as (
    select count(*) as segment_count from {{ ref('segment_definitions') }}
),

staged as (
    select organization_id, customer_id, as_of_date, segment from {{ ref('segment_history_staged') }}
),

earlier_committed as (
    select committed.organization_id, committed.customer_id, committed.as_of_date, committed.segment
    from {{ ref('stg_history__segment_history') }} as committed
    inner join runs
        on committed.organization_id = runs.organization_id
        and committed.as_of_date = runs.previous_as_of_date
    where not exists (
            select 1 from staged
            where staged.organization_id = committed.organization_id and staged.as_of_date = committed.as_of_date
        )
),

earlier as (
    select * from staged
    union all
    select * from earlier_committed
),

cell_counts as (
    select runs.organization_id, runs.as_of_date, count(migration.organization_id) as cells
    from runs
    left join migration
        on runs.organization_id = migration.organization_id
        and runs.as_of_date = migration.to_as_of_date
        and runs.previous_as_of_date = migration.from_as_of_date
    group by runs.organization_id, runs.as_of_date
),

pair_problems as (
    select cell_counts.organization_id, 'not one pair of 121 cells per run with a previous run' as problem
    from cell_counts
    cross join segments
    where cell_counts.cells != segments.segment_count * segments.segment_count
    union all
    select migration.organization_id, 'a pair that is not a run and its previous run' as problem
    from migration
    left join runs
        on migration.organization_id = runs.organization_id
        and migration.to_as_of_date = runs.as_of_date
        and migration.from_as_of_date = runs.previous_as_of_date
    where runs.organization_id is null
),

in_both_runs as (
    select runs.organization_id, runs.as_of_date, earlier.segment as from_segment, count(*) as customers
    from runs
    inner join earlier
        on runs.organization_id = earlier.organization_id
        and runs.previous_as_of_date = earlier.as_of_date
    inner join staged as later
        on earlier.organization_id = later.organization_id
        and earlier.customer_id = later.customer_id
        and runs.as_of_date = later.as_of_date
    group by runs.organization_id, runs.as_of_date, earlier.segment
),

row_sums as (
    select
        organization_id,
        to_as_of_date,
        from_segment,
        sum(customer_count) as customers,
        sum(percentage) as percentage_total
    from migration
    group by organization_id, to_as_of_date, from_segment
),

row_problems as (
    select row_sums.organization_id, 'row sum or percentages wrong' as problem
    from row_sums
    left join in_both_runs
        on row_sums.organization_id = in_both_runs.organization_id
        and row_sums.to_as_of_date = in_both_runs.as_of_date
        and row_sums.from_segment = in_both_runs.from_segment
    where row_sums.customers != coalesce(in_both_runs.customers, 0)
        or (row_sums.customers = 0 and row_sums.percentage_total != 0)
        or (row_sums.customers > 0 and abs(row_sums.percentage_total - 100) > 0.06)
)

select * from pair_problems
union all
select * from row_problems
