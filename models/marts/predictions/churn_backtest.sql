{#- One row per organisation and churn source with a scored customer: how well the source's
    scores at calibration_date (as_of_date - churn_horizon_days) foretold who churned by
    as_of_date (rules section 9.5). For n scored customers, n1 churned, n0 = n - n1:
      auc             share of (churned, retained) pairs with the churned one scored higher,
                      ties counting 1/2; NULL when n1 or n0 is 0
      top_decile_lift (churned among the first k = ceil(n / 10) by score descending, ties by
                      customer_id, / k) / (n1 / n); NULL when n1 is 0
      brier           mean of (score - churned)^2; NULL for recency (not a probability)
    Set-based in one pass over the customers: they are first counted per distinct score, so
    that the pairs are counted with one running sum over the scores, and only the customers
    of the score that straddles the top decile's edge are ordered by customer_id. -#}
with

scored as (

    select organization_id, customer_id, source, score, is_churned
    from {{ ref('int_customers_churn_backtested') }}

),

as_of as (

    select as_of_date, calibration_date
    from {{ ref('int_as_of_date_resolved') }}

),

per_score as (

    select
        organization_id,
        source,
        score,
        count(*) as customers,
        sum(case when is_churned then 1 else 0 end) as churned,
        sum(power(score - case when is_churned then 1.0 else 0.0 end, 2)) as squared_error

    from scored
    group by organization_id, source, score

),

running as (

    select
        *,
        customers - churned as retained,
        -- retained customers with a lower score, and customers with a higher score
        coalesce(sum(customers - churned) over (
            partition by organization_id, source order by score
            rows between unbounded preceding and 1 preceding
        ), 0) as retained_below,
        coalesce(sum(customers) over (
            partition by organization_id, source order by score desc
            rows between unbounded preceding and 1 preceding
        ), 0) as customers_above,
        cast(
            ceiling(sum(customers) over (partition by organization_id, source) / 10.0) as {{ dbt.type_bigint() }}
        ) as top_decile_size

    from per_score

),

{#- The score group that straddles the edge of the top decile: its first (k - customers above)
    customers by customer_id are in the top decile. -#}
edge_customers as (

    select
        scored.organization_id,
        scored.source,
        scored.is_churned,
        row_number() over (
            partition by scored.organization_id, scored.source order by scored.customer_id
        ) as position_in_score,
        running.top_decile_size - running.customers_above as places_left

    from scored
    inner join running
        on scored.organization_id = running.organization_id
        and scored.source = running.source
        and scored.score = running.score
    where running.customers_above < running.top_decile_size
        and running.customers_above + running.customers > running.top_decile_size

),

edge_churned as (

    select
        organization_id,
        source,
        sum(case when is_churned and position_in_score <= places_left then 1 else 0 end) as churned_in_top_decile

    from edge_customers
    group by organization_id, source

),

per_source as (

    select
        organization_id,
        source,
        sum(customers) as customers,
        sum(churned) as churned,
        -- pairs won by the churned customer, ties counting one half
        sum(churned * (retained_below + retained / 2.0)) as churned_pairs_won,
        max(top_decile_size) as top_decile_size,
        sum(case when customers_above + customers <= top_decile_size then churned else 0 end) as churned_in_top_decile,
        sum(squared_error) as squared_error

    from running
    group by organization_id, source

),

totals as (

    select
        per_source.*,
        per_source.churned_in_top_decile + coalesce(edge_churned.churned_in_top_decile, 0) as top_decile_churned

    from per_source
    left join edge_churned
        on per_source.organization_id = edge_churned.organization_id
        and per_source.source = edge_churned.source

)

select
    totals.organization_id,
    totals.source,
    as_of.as_of_date,
    as_of.calibration_date,
    {{ var('churn_horizon_days') }} as horizon_days,
    cast(totals.customers as {{ dbt.type_bigint() }}) as customers,
    cast(totals.churned as {{ dbt.type_bigint() }}) as churned,
    cast(totals.churned as {{ type_double() }}) / totals.customers as churn_rate,
    case
        when totals.churned > 0 and totals.churned < totals.customers
            then cast(totals.churned_pairs_won as {{ type_double() }})
                / (cast(totals.churned as {{ type_double() }}) * (totals.customers - totals.churned))
    end as auc,
    -- (top_decile_churned / k) / (churned / customers)
    case
        when totals.churned > 0
            then cast(totals.top_decile_churned as {{ type_double() }}) * totals.customers
                / (cast(totals.churned as {{ type_double() }}) * totals.top_decile_size)
    end as top_decile_lift,
    case
        when totals.source <> 'recency'
            then cast(totals.squared_error as {{ type_double() }}) / totals.customers
    end as brier

from totals
cross join as_of
