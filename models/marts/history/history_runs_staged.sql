{#- The history_runs rows this run commits: one per organisation with segmented customers at
    this as_of_date and, when the run is a backfill before existing runs, each later run of the
    organisation again, since its previous run may now be this one. Read by the other staged
    models for the dates a run rewrites and the run each date follows. -#}
with

as_of as (

    select as_of_date from {{ ref('int_as_of_date_resolved') }}

),

this_run as (

    select
        organization_id,
        as_of_date,
        count(*) as segmented_customers

    from {{ ref('int_customers_segmented') }}
    group by organization_id, as_of_date

),

committed_runs as (

    select organization_id, as_of_date, segmented_customers
    from {{ ref('stg_history__runs') }}
    {%- if history_is_reset() %}
    where 1 = 0  {#- --full-refresh: the history starts again with this run -#}
    {%- endif %}

),

runs_with_this_one as (

    select committed_runs.*
    from committed_runs
    cross join as_of
    where committed_runs.as_of_date <> as_of.as_of_date

    union all

    select * from this_run

),

steps as (

    select
        organization_id,
        as_of_date,
        lag(as_of_date) over (partition by organization_id order by as_of_date) as previous_as_of_date,
        segmented_customers

    from runs_with_this_one

),

final as (

    select
        steps.organization_id,
        steps.as_of_date,
        steps.previous_as_of_date,
        steps.segmented_customers,
        {{ run_started_at_literal() }} as written_at,
        '{{ invocation_id }}' as invocation_id

    from steps
    cross join as_of
    where steps.as_of_date >= as_of.as_of_date

)

select * from final
