{#- One row: the run's reference date (rules section 3), an exclusive upper bound. Var
    `as_of_date` wins; otherwise the day after the latest valid event over all organisations;
    with no valid event at all, the day the build started. calibration_date is where the
    backtests of the predictions stand: as_of_date - churn_horizon_days. Everything that reads
    the reference date waits for the data-quality gate (int_raw_tables_gated). -#}
-- depends_on: {{ ref('int_raw_tables_gated') }}
with

valid_events as (

    select occurred_at
    from {{ valid_rows('int_transactions_validated') }}

),

resolved as (

    {%- if var('as_of_date') %}
    select cast('{{ var("as_of_date") }}' as date) as as_of_date
    {%- else %}
    select
        coalesce(
            cast({{ add_days('cast(max(occurred_at) as date)', 1) }} as date),
            cast({{ run_started_at_literal() }} as date)
        ) as as_of_date
    from valid_events
    {%- endif %}

)

select
    as_of_date,
    cast({{ add_days('as_of_date', '-' ~ var('window_days')) }} as date) as last_window_start,
    cast({{ add_days('as_of_date', '-2 * ' ~ var('window_days')) }} as date) as prev_window_start,
    cast({{ add_days('as_of_date', '-' ~ var('rfm_lookback_days')) }} as date) as lookback_start,
    cast({{ add_days('as_of_date', '-' ~ var('churn_horizon_days')) }} as date) as calibration_date

from resolved
