{#- One row per organisation and churn source with a scored customer: how well the source's
    scores at calibration_date (as_of_date - churn_horizon_days) foretold who churned by
    as_of_date (spec section 9.5). For n scored customers, n1 churned, n0 = n - n1:
      auc             share of (churned, retained) pairs with the churned one scored higher,
                      ties counting 1/2: (sum of the churned customers' mid-ranks in the
                      ascending order of scores - n1 (n1 + 1) / 2) / (n1 n0), the
                      Mann-Whitney form of that count; NULL when n1 or n0 is 0
      top_decile_lift (churned among the first ceil(n / 10) by score descending, ties by
                      customer_id, / ceil(n / 10)) / (n1 / n); NULL when n1 is 0
      brier           mean of (score - churned)^2; NULL for recency (not a probability) -#}
with

scored as (

    select organization_id, customer_id, source, score, is_churned
    from {{ ref('int_customers_churn_backtested') }}

),

as_of as (

    select as_of_date, calibration_date
    from {{ ref('int_as_of_date_resolved') }}

),

ranked as (

    select
        organization_id,
        source,
        score,
        is_churned,
        -- mid-rank of the score among the source's scores, ascending (ties share the mean rank)
        rank() over (partition by organization_id, source order by score)
        + (count(*) over (partition by organization_id, source, score) - 1) / 2.0 as mid_rank,
        row_number() over (partition by organization_id, source order by score desc, customer_id) as position,
        count(*) over (partition by organization_id, source) as scored_customers

    from scored

),

per_source as (

    select
        organization_id,
        source,
        count(*) as customers,
        sum(case when is_churned then 1 else 0 end) as churned,
        sum(case when is_churned then mid_rank else 0 end) as churned_rank_sum,
        max(ceiling(scored_customers / 10.0)) as top_decile_size,
        sum(case when is_churned and position <= ceiling(scored_customers / 10.0) then 1 else 0 end) as churned_in_top_decile,
        avg(power(score - case when is_churned then 1.0 else 0.0 end, 2)) as mean_squared_error

    from ranked
    group by organization_id, source

)

select
    per_source.organization_id,
    per_source.source,
    as_of.as_of_date,
    as_of.calibration_date,
    {{ var('churn_horizon_days') }} as horizon_days,
    per_source.customers,
    per_source.churned,
    cast(per_source.churned as {{ type_double() }}) / per_source.customers as churn_rate,
    case
        when per_source.churned > 0 and per_source.churned < per_source.customers
            then (cast(per_source.churned_rank_sum as {{ type_double() }}) - per_source.churned * (per_source.churned + 1) / 2.0)
                / (cast(per_source.churned as {{ type_double() }}) * (per_source.customers - per_source.churned))
    end as auc,
    case
        when per_source.churned > 0
            then (cast(per_source.churned_in_top_decile as {{ type_double() }}) / per_source.top_decile_size)
                / (cast(per_source.churned as {{ type_double() }}) / per_source.customers)
    end as top_decile_lift,
    case
        when per_source.source <> 'recency' then cast(per_source.mean_squared_error as {{ type_double() }})
    end as brier

from per_source
cross join as_of
