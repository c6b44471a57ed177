{#- One row per organisation, probability source of churn_backtest (churn_prediction,
    model) and score bin 0..9, all ten bins (rules section 9.5): how many customers the source
    put in the bin at calibration_date, their mean score and the share of them that churned by
    as_of_date. bin = least(floor(10 * score), 9): [0, 0.1), ..., [0.9, 1]. A well calibrated
    source has churn_rate close to avg_score in every bin. -#}
with

scored as (

    select organization_id, source, score, is_churned
    from {{ ref('int_customers_churn_backtested') }}
    where source <> 'recency'

),

sources as (

    select distinct organization_id, source
    from scored

),

bins as (

    {%- for bin in range(10) %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select {{ bin }} as bin
    {%- endfor %}

),

per_bin as (

    select
        organization_id,
        source,
        least(cast(floor(10 * score) as integer), 9) as bin,
        count(*) as customers,
        avg(score) as avg_score,
        avg(case when is_churned then 1.0 else 0.0 end) as churn_rate

    from scored
    group by organization_id, source, least(cast(floor(10 * score) as integer), 9)

)

select
    sources.organization_id,
    sources.source,
    bins.bin,
    coalesce(per_bin.customers, 0) as customers,
    cast(per_bin.avg_score as {{ type_double() }}) as avg_score,
    cast(per_bin.churn_rate as {{ type_double() }}) as churn_rate

from sources
cross join bins
left join per_bin
    on sources.organization_id = per_bin.organization_id
    and sources.source = per_bin.source
    and bins.bin = per_bin.bin
