{#- The segment_history rows this run commits: its customers at its as_of_date and, when the
    run is a backfill before existing runs, every later run's rows again (their segments as
    committed, their previous segment and change date re-derived through this run).

    previous_segment / previous_as_of_date: the customer's row at the organisation's previous
    run, NULL when the customer was not in it. segment_changed_on is carried forward: this
    run's date when the segment differs from the previous run's, the previous row's
    segment_changed_on when it is the same, NULL when the customer was not in the previous
    run. So a run reads only its previous run's rows, never the whole history. -#}
with

runs as (

    select organization_id, as_of_date, previous_as_of_date
    from {{ ref('history_runs_staged') }}

),

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

this_run as (

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

),

later_runs as (

    select runs.organization_id, runs.as_of_date
    from runs
    cross join as_of
    where runs.as_of_date > as_of.as_of_date

),

-- the run before the first one rewritten: where the carried-forward values start
seed_runs as (

    select runs.organization_id, runs.previous_as_of_date as as_of_date
    from runs
    cross join as_of
    where runs.previous_as_of_date < as_of.as_of_date

),

-- the committed history is read in two places, each joined to the few dates it needs, so
-- that the engine reads only those dates (a shared CTE would be materialised whole)
later_rows as (

    select
        committed.organization_id,
        committed.customer_id,
        committed.as_of_date,
        committed.segment,
        committed.segment_score,
        committed.churn_score,
        committed.churn_risk_level,
        committed.rfm_score

    from {{ ref('stg_history__segment_history') }} as committed
    inner join later_runs
        on committed.organization_id = later_runs.organization_id
        and committed.as_of_date = later_runs.as_of_date

),

seed_rows as (

    select
        committed.organization_id,
        committed.customer_id,
        committed.as_of_date,
        committed.segment,
        committed.segment_changed_on

    from {{ ref('stg_history__segment_history') }} as committed
    inner join seed_runs
        on committed.organization_id = seed_runs.organization_id
        and committed.as_of_date = seed_runs.as_of_date

),

rewritten as (

    select * from this_run
    union all
    select * from later_rows

),

known_segments as (

    select organization_id, customer_id, as_of_date, segment from rewritten
    union all
    select organization_id, customer_id, as_of_date, segment from seed_rows

),

steps as (

    select
        rewritten.*,
        previous.segment as previous_segment,
        previous.as_of_date as previous_as_of_date,
        case
            when previous.customer_id is null then 'new'
            when previous.segment <> rewritten.segment then 'changed'
            else 'same'
        end as step

    from rewritten
    inner join runs
        on rewritten.organization_id = runs.organization_id
        and rewritten.as_of_date = runs.as_of_date
    left join known_segments as previous
        on rewritten.organization_id = previous.organization_id
        and rewritten.customer_id = previous.customer_id
        and runs.previous_as_of_date = previous.as_of_date

),

-- over the rewritten runs, the latest step that was not 'same', and the latest change
marked as (

    select
        *,
        max(case when step <> 'same' then as_of_date end) over (
            partition by organization_id, customer_id order by as_of_date
            rows between unbounded preceding and current row
        ) as last_step_on,
        max(case when step = 'changed' then as_of_date end) over (
            partition by organization_id, customer_id order by as_of_date
            rows between unbounded preceding and current row
        ) as last_change_on

    from steps

),

final as (

    select
        marked.organization_id,
        marked.customer_id,
        marked.as_of_date,
        marked.segment,
        marked.segment_score,
        marked.churn_score,
        marked.churn_risk_level,
        marked.rfm_score,
        marked.previous_segment,
        marked.previous_as_of_date,
        case
            when marked.last_step_on is null then seed_rows.segment_changed_on
            when marked.last_step_on = marked.last_change_on then marked.last_change_on
        end as segment_changed_on

    from marked
    left join seed_rows
        on marked.organization_id = seed_rows.organization_id
        and marked.customer_id = seed_rows.customer_id

)

select * from final
