{#- Every combination of R, F, M, E (3 levels each), churn level (5) and new/not-new lands
    in exactly one of the 11 segments, About to Sleep holds exactly what is left
    (R = Medium and F = Low), and all 11 segments are reachable. Fails with the offending
    rows. -#}
with

levels as (
    select 'High' as level
    union all
    select 'Medium'
    union all
    select 'Low'
),

churn_levels as (
    select 'Low' as churn_level
    union all
    select 'Medium'
    union all
    select 'High'
    union all
    select 'Critical'
    union all
    select 'Unknown'
),

tenures as (
    select {{ var('new_customer_days') }} as tenure_days
    union all
    select {{ var('new_customer_days') }} + 1
    union all
    select cast(null as integer)
),

combinations as (
    select r.level as r, f.level as f, m.level as m, e.level as e, c.churn_level as c, t.tenure_days
    from levels as r
    cross join levels as f
    cross join levels as m
    cross join levels as e
    cross join churn_levels as c
    cross join tenures as t
),

assigned as (
    select *, {{ segment_case('r', 'f', 'm', 'e', 'c', 'tenure_days') }} as segment
    from combinations
),

definitions as (
    select segment from {{ ref('segment_definitions') }}
),

misassigned as (
    select 'not one of the 11 segments' as problem, assigned.segment
    from assigned
    left join definitions on assigned.segment = definitions.segment
    where definitions.segment is null
    union all
    select 'About to Sleep is not exactly R = Medium and F = Low' as problem, segment
    from assigned
    where (segment = 'About to Sleep') != (r = 'Medium' and f = 'Low')
),

reached as (
    select distinct segment from assigned
),

unreachable as (
    select 'segment unreachable' as problem, definitions.segment
    from definitions
    left join reached
        on definitions.segment = reached.segment
    where reached.segment is null
),

combination_count as (
    select 'expected 1215 combinations' as problem, cast(count(*) as {{ dbt.type_string() }}) as segment
    from assigned
    having count(*) != 1215
)

select * from misassigned
union all
select * from unreachable
union all
select * from combination_count
