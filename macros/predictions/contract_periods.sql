{#- Whole renewal periods (var `contract_period_days`) from one date to a later one:
    floor(days / period). The contractual model counts periods paid and periods elapsed with it. -#}
{% macro contract_periods(start_date, end_date) -%}
    cast(floor({{ days_between(start_date, end_date) }} / cast({{ var('contract_period_days') }} as {{ type_double() }})) as integer)
{%- endmacro %}
