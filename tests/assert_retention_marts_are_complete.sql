{#- The retention marts have every row they promise (rules section 12): each cohort of
    cohort_retention has the months 0 .. (the last complete month - its own), one cohort size,
    and was acquired within the last var `cohort_months` complete months; each organisation of
    contract_survival has the periods 1 .. var `survival_periods`, and fewer customers are
    eligible for a later period, never more. -#}
with

cohorts as (

    select
        organization_id,
        cohort_month,
        count(*) as months,
        min(months_since_acquisition) as first_month,
        max(months_since_acquisition) as last_month,
        min(cohort_customers) as min_customers,
        max(cohort_customers) as max_customers,
        max({{ month_index('as_of_date') }}) - 1 - max({{ month_index('cohort_month') }}) as complete_months_since

    from {{ ref('cohort_retention') }}
    group by organization_id, cohort_month

),

cohort_problems as (

    select organization_id, 'cohort ' || cast(cohort_month as {{ dbt.type_string() }}) as problem
    from cohorts
    where months != last_month + 1
        or first_month != 0
        or last_month != complete_months_since
        or min_customers != max_customers
        or complete_months_since >= {{ var('cohort_months') }}

),

survival as (

    select
        organization_id,
        period,
        eligible_customers,
        lag(eligible_customers) over (partition by organization_id order by period) as previous_eligible,
        count(*) over (partition by organization_id) as periods,
        max(period) over (partition by organization_id) as last_period

    from {{ ref('contract_survival') }}

),

survival_problems as (

    select organization_id, 'period ' || cast(period as {{ dbt.type_string() }}) as problem
    from survival
    where eligible_customers > previous_eligible
        or periods != {{ var('survival_periods') }}
        or last_period != {{ var('survival_periods') }}

)

select * from cohort_problems
union all
select * from survival_problems
