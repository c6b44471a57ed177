{#- Engine differences live here, behind adapter.dispatch. `default__` is the DuckDB (and
    ANSI-ish) spelling; engines that differ add `<adapter>__` variants. -#}

{#- A date from raw input; NULL when it does not parse. -#}
{% macro safe_date(expression) -%}
    {{ return(adapter.dispatch('safe_date')(expression)) }}
{%- endmacro %}
{% macro default__safe_date(expression) -%}
    try_cast({{ expression }} as date)
{%- endmacro %}

{#- A double as text, the same on every engine: DuckDB's spelling (12.0, 0.25, 1e+20). -#}
{% macro double_text(expression) -%}
    {{ return(adapter.dispatch('double_text')(expression)) }}
{%- endmacro %}
{% macro default__double_text(expression) -%}
    cast({{ expression }} as varchar)
{%- endmacro %}

{#- The engine's 8-byte floating point type. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}
{% macro default__type_double() -%}
    double
{%- endmacro %}

{#- A number from raw input: NULL when it does not parse, is not finite (NaN, infinity) or
    is beyond +-1e18 (no real amount or measure is; it would overflow exact decimal sums), so
    such a value is treated like a missing one instead of poisoning ranks and sums. -#}
{% macro safe_double(expression) -%}
    {{ return(adapter.dispatch('safe_double')(expression)) }}
{%- endmacro %}
{% macro default__safe_double(expression) -%}
    case when abs(try_cast({{ expression }} as double)) < 1e18 then try_cast({{ expression }} as double) end
{%- endmacro %}

{#- A timestamp from raw input, in UTC: text with an offset ('...+02:00', '...Z') is
    converted to UTC, text without one and naive timestamps are taken as UTC; NULL when it
    does not parse. -#}
{#- `raw_type` (optional, see raw_column_type) skips the parsing when the raw column is a
    naive timestamp already, which is then taken as it is. -#}
{% macro safe_timestamp_utc(expression, raw_type=none) -%}
    {%- if raw_type in ('timestamp', 'timestamp without time zone') -%}
        {{ return(expression) }}
    {%- endif -%}
    {{ return(adapter.dispatch('safe_timestamp_utc')(expression)) }}
{%- endmacro %}
{% macro default__safe_timestamp_utc(expression) -%}
    cast(timezone('UTC', try_cast({{ expression }} as timestamptz)) as timestamp)
{%- endmacro %}

{#- Sum of a double expression computed exactly in decimals (to `scale` places), so the
    result does not depend on the order rows are added in (parallel aggregation). -#}
{% macro sum_exact(expression, scale=6) -%}
    sum(cast({{ expression }} as decimal(38, {{ scale }})))
{%- endmacro %}

{#- Mean of the non-NULL values of a double expression: the exact sum (sum_exact) divided as a
    double, so every engine divides the same double (a decimal division rounds differently on
    each engine, which can move a later rounding by 0.01). -#}
{% macro avg_exact(expression, scale=6) -%}
    cast({{ sum_exact(expression, scale) }} as {{ type_double() }}) / count({{ expression }})
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

{#- The first day of a date's (UTC calendar) month, as a date. -#}
{% macro month_start(expression) -%}
    cast(date_trunc('month', cast({{ expression }} as timestamp)) as date)
{%- endmacro %}

{#- A date's month as one integer (year * 12 + month - 1), so that whole months between two
    dates are a subtraction and "the month before" is minus one, on every engine. -#}
{% macro month_index(expression) -%}
    (cast(extract(year from {{ expression }}) as integer) * 12 + cast(extract(month from {{ expression }}) as integer) - 1)
{%- endmacro %}

{#- The integer part of the quotient of two non-negative whole numbers, exactly (no double). -#}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide')(numerator, denominator)) }}
{%- endmacro %}
{% macro default__integer_divide(numerator, denominator) -%}
    (cast({{ numerator }} as hugeint) // cast({{ denominator }} as hugeint))
{%- endmacro %}

{#- numerator / denominator rounded half away from zero to `digits` decimals, computed exactly,
    as a double: the numerator an exact number of at most 6 decimals (an integer, or a
    sum_exact), the denominator a positive whole number. A double quotient would decide a tie
    such as 0.01 / 2 by how the double happens to fall. -#}
{% macro round_ratio(numerator, denominator, digits) -%}
    {%- set scale = 10 ** 6 -%}
    (sign({{ numerator }}) * cast({{ integer_divide(
        'cast(abs(' ~ numerator ~ ') * ' ~ (2 * scale * 10 ** digits) ~ ' + ' ~ scale ~ ' * (' ~ denominator ~ ') as decimal(38, 0))',
        'cast(' ~ (2 * scale) ~ ' * (' ~ denominator ~ ') as decimal(38, 0))'
    ) }} as {{ type_double() }}) / {{ 10 ** digits }})
{%- endmacro %}

{#- As many whole numbers as var `var_name` says, from `first` on, as rows of one column `n` (a
    union of literals: for the few dozen periods a mart enumerates, on every engine). A var that
    is not a whole number of at least 1 stops the run with a message naming it. -#}
{% macro var_integer_series(var_name, first) -%}
    {%- set count = var(var_name) -%}
    {%- if count is not number or count is sameas true or count is sameas false
        or count != count | int or count < 1 -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be a whole number of at least 1, got " ~ count) }}
    {%- endif -%}
    {%- for n in range(first, first + count | int) %}
    {% if not loop.first %}union all {% endif %}select {{ n }} as n
    {%- endfor %}
{%- endmacro %}

{#- A literal timestamp for dbt's run start (UTC). -#}
{% macro run_started_at_literal() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}

{#- Whether this engine has the CLV predictions (model churn, the prediction marts): DuckDB
    by the dbt Python model int_customers_clv_scored, PostgreSQL and Spark by the fit step
    (scripts/fit_predictions.py, rules section 9.6). Keep in step with the `+enabled` of the
    predictions folders in dbt_project.yml. -#}
{% macro predictions_enabled() -%}
    {{ return(adapter.dispatch('predictions_enabled')()) }}
{%- endmacro %}
{% macro default__predictions_enabled() -%}
    {{ return(false) }}
{%- endmacro %}
{% macro duckdb__predictions_enabled() -%}
    {{ return(true) }}
{%- endmacro %}
{% macro postgres__predictions_enabled() -%}
    {{ return(true) }}
{%- endmacro %}
{% macro spark__predictions_enabled() -%}
    {{ return(true) }}
{%- endmacro %}

{#- A 64-bit hash of a value, for cheap grouping of long text keys (collisions only make
    extra candidates, never wrong answers, where it is used). -#}
{% macro hash64(expression) -%}
    {{ return(adapter.dispatch('hash64')(expression)) }}
{%- endmacro %}
{% macro default__hash64(expression) -%}
    hash({{ expression }})
{%- endmacro %}

{#- Number of distinct days among the non-NULL values of a date expression that lies within
    the `days` days before `reference_date` (the caller's condition guarantees it). -#}
{% macro count_distinct_days(date_expression, reference_date, days) -%}
    {{ return(adapter.dispatch('count_distinct_days')(date_expression, reference_date, days)) }}
{%- endmacro %}
{% macro default__count_distinct_days(date_expression, reference_date, days) -%}
    count(distinct {{ date_expression }})
{%- endmacro %}
{#- DuckDB: a bitmap of the days, one bit per day before reference_date, whose set bits are
    counted: twenty times cheaper than count(distinct) over a hundred million events, because
    a grouped distinct aggregate needs a hash table of its own. -#}
{% macro duckdb__count_distinct_days(date_expression, reference_date, days) -%}
    coalesce(bit_count(bitstring_agg({{ days_between(date_expression, reference_date) }} - 1, 0, {{ days }} - 1)), 0)
{%- endmacro %}
