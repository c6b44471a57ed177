{#- One row per organisation, acquisition cohort and month since acquisition (rules section
    12.1): of the customers whose first valid value event (over all history before as_of_date)
    fell in a month, the share that had a value event k months later and what the cohort spent,
    for the cohorts of the last var `cohort_months` months. Months are UTC calendar months,
    indexed by macro month_index; a month m is complete when m + 1 month <= as_of_date, which
    is every month before as_of_date's own. Only complete months are shown, for the cohort
    and for its row k, and every such k is a row (zero activity included). Amounts are the
    exact per-day sums of int_customer_value_days (NULL counts 0), rounded as the last step.
    A customer's first value day is the CLV purchase history's first_purchase_date (the event
    pass), so both agree by construction and no window over the value days is needed. -#}
with

as_of as (

    select
        as_of_date,
        {{ month_index('as_of_date') }} - 1 as last_complete_month,
        {{ month_index('as_of_date') }} - {{ var('cohort_months') }} as first_cohort_month

    from {{ ref('int_as_of_date_resolved') }}

),

customer_cohorts as (

    select
        customers.organization_id,
        purchases.customer_id,
        {{ month_index('purchases.first_purchase_date') }} as cohort_month,
        {{ month_start('purchases.first_purchase_date') }} as cohort_month_start

    from {{ ref('int_customer_events_aggregated') }} as purchases
    inner join {{ valid_rows('int_customers_validated', 'customers') }}
        on purchases.customer_id = customers.customer_id
    cross join as_of
    where {{ month_index('purchases.first_purchase_date') }}
        between as_of.first_cohort_month and as_of.last_complete_month

),

customer_months as (

    select
        customer_id,
        {{ month_index('event_date') }} as activity_month,
        sum(day_total) as revenue

    from {{ ref('int_customer_value_days') }}
    group by customer_id, {{ month_index('event_date') }}

),

cohorts as (

    select
        organization_id,
        cohort_month,
        min(cohort_month_start) as cohort_month_start,
        count(*) as cohort_customers

    from customer_cohorts
    group by organization_id, cohort_month

),

cohort_activity as (

    select
        customer_cohorts.organization_id,
        customer_cohorts.cohort_month,
        customer_months.activity_month - customer_cohorts.cohort_month as months_since_acquisition,
        count(*) as active_customers,
        sum(customer_months.revenue) as revenue

    from customer_months
    inner join customer_cohorts
        on customer_months.customer_id = customer_cohorts.customer_id
    group by
        customer_cohorts.organization_id,
        customer_cohorts.cohort_month,
        customer_months.activity_month - customer_cohorts.cohort_month

),

months_since_acquisition as (

    {{ var_integer_series('cohort_months', 0) }}

),

triangle as (

    select
        cohorts.organization_id,
        cohorts.cohort_month_start,
        months_since_acquisition.n as months_since_acquisition,
        as_of.as_of_date,
        cohorts.cohort_customers,
        coalesce(cohort_activity.active_customers, 0) as active_customers,
        coalesce(cohort_activity.revenue, 0) as revenue,
        sum(coalesce(cohort_activity.revenue, 0)) over (
            partition by cohorts.organization_id, cohorts.cohort_month
            order by months_since_acquisition.n
            rows between unbounded preceding and current row
        ) as cumulative_revenue

    from cohorts
    cross join as_of
    inner join months_since_acquisition
        on cohorts.cohort_month + months_since_acquisition.n <= as_of.last_complete_month
    left join cohort_activity
        on cohorts.organization_id = cohort_activity.organization_id
        and cohorts.cohort_month = cohort_activity.cohort_month
        and months_since_acquisition.n = cohort_activity.months_since_acquisition

)

select
    organization_id,
    cohort_month_start as cohort_month,
    months_since_acquisition,
    as_of_date,
    cohort_customers,
    active_customers,
    {{ round_ratio('active_customers', 'cohort_customers', 4) }} as retention_rate,
    {{ round_ratio('revenue', '1', 2) }} as revenue,
    {{ round_ratio('cumulative_revenue', 'cohort_customers', 2) }} as cumulative_revenue_per_customer

from triangle
