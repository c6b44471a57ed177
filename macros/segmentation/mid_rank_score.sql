{#- 0-100 mid-rank percentile of `column` within each organisation (rules section 4):
        100 * (count(y < x) + 0.5 * (count(y = x) - 1)) / (n - 1),  50 when n = 1,
    rounded to 2 decimals. With higher_is_better=false the order is reversed (recency: fewer
    days is better). NULL is the worst value, tied with other NULLs. -#}
{% macro mid_rank_score(column, partition_by='organization_id', higher_is_better=true) -%}
    {%- set order = 'asc nulls first' if higher_is_better else 'desc nulls first' -%}
    {{ round_to(
        'case when count(*) over (partition by ' ~ partition_by ~ ') = 1 then 50.0'
        ~ ' else 100.0 * ('
        ~ '(rank() over (partition by ' ~ partition_by ~ ' order by ' ~ column ~ ' ' ~ order ~ ') - 1)'
        ~ ' + 0.5 * (count(*) over (partition by ' ~ partition_by ~ ', ' ~ column ~ ') - 1)'
        ~ ') / (count(*) over (partition by ' ~ partition_by ~ ') - 1) end',
        2
    ) }}
{%- endmacro %}
