{#- Engine differences live here, behind adapter.dispatch. `default__` is the DuckDB (and
    ANSI-ish) spelling; engines that differ add `<adapter>__` variants. -#}

{#- Cast that yields NULL instead of failing on unparseable input. -#}
{% macro safe_cast(expression, data_type) -%}
    {{ return(adapter.dispatch('safe_cast')(expression, data_type)) }}
{%- endmacro %}
{% macro default__safe_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{#- A date/timestamp expression moved by a number of days (an integer expression). -#}
{% macro add_days(expression, days) -%}
    {{ return(adapter.dispatch('add_days')(expression, days)) }}
{%- endmacro %}
{% macro default__add_days(expression, days) -%}
    ({{ expression }} + cast({{ days }} as integer) * interval 1 day)
{%- endmacro %}

{#- Whole days from one date to another (later minus earlier is positive). -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between')(start_date, end_date)) }}
{%- endmacro %}
{% macro default__days_between(start_date, end_date) -%}
    date_diff('day', cast({{ start_date }} as date), cast({{ end_date }} as date))
{%- endmacro %}

{#- Round a double to `digits` decimals, returned as double. -#}
{% macro round_to(expression, digits=2) -%}
    {{ return(adapter.dispatch('round_to')(expression, digits)) }}
{%- endmacro %}
{% macro default__round_to(expression, digits) -%}
    round(cast({{ expression }} as double), {{ digits }})
{%- endmacro %}

{#- True when a double is NaN (NaN compares as the largest value on some engines). -#}
{% macro is_nan(expression) -%}
    {{ return(adapter.dispatch('is_nan')(expression)) }}
{%- endmacro %}
{% macro default__is_nan(expression) -%}
    isnan({{ expression }})
{%- endmacro %}

{#- A literal timestamp for dbt's run start (UTC). -#}
{% macro run_started_at_literal() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}
