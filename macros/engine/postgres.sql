{#- PostgreSQL (15+) spellings of the engine macros. The `default__` bodies are DuckDB SQL;
    these give the same results on PostgreSQL: the same parsing rules for raw text (PostgreSQL
    alone would take 'yesterday' as a timestamp), DuckDB's rounding of doubles, and JSON text
    without spaces. Text order follows the database collation: use C (or C.UTF-8) so that
    ties and JSON arrays sort as on DuckDB (scripts/pg_local.sh does). -#}

{#- on-run-start (engine_run_start): the raw tables are loaded by scripts/load_raw.py; the hook
    creates the safe parsing functions that PostgreSQL 15 lacks (no try_cast, no
    pg_input_is_valid). -#}
{% macro postgres__engine_run_start() -%}
    {{ postgres_helper_functions() }}
    select 1 as engine_ready
{%- endmacro %}

{#- The parsing functions catch errors, which needs a subtransaction: they are parallel
    unsafe (PostgreSQL's default), so queries that call them run in one process. -#}
{% macro postgres_helper_functions() -%}
    {%- set s = target.schema -%}
    create schema if not exists {{ s }};
    create or replace function {{ s }}.retention_try_json(v text) returns json
    language plpgsql immutable strict as $$
    begin
        return v::json;
    exception when others then
        return null;
    end $$;
    create or replace function {{ s }}.retention_try_date(v text) returns date
    language plpgsql stable strict set datestyle to 'ISO, YMD' as $$
    begin
        return v::date;
    exception when others then
        return null;
    end $$;
    create or replace function {{ s }}.retention_try_timestamp_utc(v text) returns timestamp
    language plpgsql stable strict set timezone to 'UTC' set datestyle to 'ISO, YMD' as $$
    begin
        return v::timestamptz at time zone 'UTC';
    exception when others then
        return null;
    end $$;
    {#- DuckDB's round of a double: the exact binary value rounded half away from zero
        (round(76.255, 2) = 76.25 because the double is 76.25499...; 0.125 -> 0.13). The
        double's exact decimal value is rebuilt from its bits and rounded as numeric. -#}
    create or replace function {{ s }}.retention_round_half_away(x double precision, digits int) returns double precision
    language plpgsql immutable strict parallel safe as $$
    declare
        bits bigint;
        biased int;
        mantissa numeric;
        exponent int;
        exact numeric;
    begin
        if x = 0 or x <> x or x = 'Infinity'::float8 or x = '-Infinity'::float8 then
            return x;
        end if;
        bits := ('x' || encode(float8send(x), 'hex'))::bit(64)::bigint;
        biased := ((bits >> 52) & 2047)::int;
        mantissa := (bits & 4503599627370495)::numeric;
        if biased = 0 then
            exponent := -1074;
        else
            mantissa := mantissa + 4503599627370496;
            exponent := biased - 1075;
        end if;
        if exponent >= 0 then
            exact := mantissa * power(2::numeric, exponent);
        else
            exact := mantissa * power(5::numeric, -exponent) * ('1e' || exponent)::numeric;
        end if;
        if bits < 0 then
            exact := -exact;
        end if;
        return round(exact, digits)::double precision;
    end $$;
{%- endmacro %}

{% macro postgres__type_double() -%}
    double precision
{%- endmacro %}

{#- The forms DuckDB's date parser takes: YYYY-M-D or YYYY/M/D, optionally a time after it. -#}
{% macro postgres__safe_date(expression) -%}
    {%- set t = 'cast(' ~ expression ~ ' as text)' -%}
    (case when {{ t }} ~ '^\s*\d{4}[-/]\d{1,2}[-/]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?\s*$'
        then {{ target.schema }}.retention_try_date(regexp_replace(trim({{ t }}), '^(\d{4})/(\d{1,2})/(\d{1,2})', '\1-\2-\3'))
    end)
{%- endmacro %}

{#- DuckDB's number grammar (white space around, underscores between digits, '.5', '5.');
    parsed through numeric so that no input can raise; beyond +-1e18, NaN and infinity: NULL. -#}
{% macro postgres__safe_double(expression) -%}
    {%- set t = 'cast(' ~ expression ~ ' as text)' -%}
    {%- set n = 'cast(replace(' ~ t ~ ", '_', '') as numeric)" -%}
    (case when {{ t }} ~ '^\s*[+-]?(\d+(_\d+)*(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d{1,4})?\s*$'
        then case when abs({{ n }}) < 1e18 then cast({{ n }} as double precision) end
    end)
{%- endmacro %}

{#- The common strict form is cast directly; anything else DuckDB would take goes through the
    helper function (UTC offsets and zone names converted); everything else is NULL. -#}
{% macro postgres__safe_timestamp_utc(expression) -%}
    {%- set t = 'cast(' ~ expression ~ ' as text)' -%}
    (case
        when {{ t }} ~ '^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])[ T]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?$'
            then cast(replace({{ t }}, 'T', ' ') as timestamp)
        when {{ t }} ~ '^\d{4}[-/]\d{1,2}[-/]\d{1,2}([ T]\d{1,2}:\d{2}(:[0-5]\d(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2}(:?\d{2})?)?| [A-Za-z]+(/[A-Za-z_]+)*)?$'
            then {{ target.schema }}.retention_try_timestamp_utc(regexp_replace({{ t }}, '^(\d{4})/(\d{1,2})/(\d{1,2})', '\1-\2-\3'))
    end)
{%- endmacro %}

{#- DuckDB writes a whole double below 1e15 with '.0'; PostgreSQL without. -#}
{% macro postgres__double_text(expression) -%}
    (case
        when {{ expression }} = trunc({{ expression }}) and abs({{ expression }}) < 1e15
            then cast(cast({{ expression }} as numeric) as text) || '.0'
        else cast({{ expression }} as text)
    end)
{%- endmacro %}

{% macro postgres__add_days(expression, days) -%}
    ({{ expression }} + cast({{ days }} as integer) * interval '1 day')
{%- endmacro %}

{% macro postgres__integer_divide(numerator, denominator) -%}
    div(cast({{ numerator }} as numeric), cast({{ denominator }} as numeric))
{%- endmacro %}

{% macro postgres__days_between(start_date, end_date) -%}
    (cast({{ end_date }} as date) - cast({{ start_date }} as date))
{%- endmacro %}

{#- DuckDB rounds the exact double half away from zero (round(1.005, 2) = 1.0); PostgreSQL's
    round(numeric) would round the 15-digit decimal (1.01) and round(float8) ties to even. -#}
{% macro postgres__round_to(expression, digits) -%}
    {{ target.schema }}.retention_round_half_away(cast({{ expression }} as double precision), {{ digits }})
{%- endmacro %}

{#- Accepts one expression or a comma-separated list of them. -#}
{% macro postgres__hash64(expression) -%}
    hashtextextended(cast(row({{ expression }}) as text), 0)
{%- endmacro %}

{#- JSON as compact text ({"k":v}, ["a","b"]), values encoded by to_json. -#}
{% macro postgres__json_object_text(pairs) -%}
    ('{'
    {%- for key, expression in pairs %}
        || '"{{ key }}":' || coalesce(cast(to_json({{ expression }}) as text), 'null'){{ " || ','" if not loop.last }}
    {%- endfor %}
        || '}')
{%- endmacro %}

{% macro postgres__json_array_agg_text(expression, order_by) -%}
    coalesce('[' || string_agg(cast(to_json({{ expression }}) as text), ',' order by {{ order_by }})
        filter (where {{ expression }} is not null) || ']', '[]')
{%- endmacro %}

{% macro postgres__json_object_array_agg_text(pairs, order_by) -%}
    coalesce('[' || string_agg({{ postgres__json_object_text(pairs) }}, ',' order by {{ order_by }}) || ']', '[]')
{%- endmacro %}

{% macro postgres__json_object_agg_text(key, value, order_by) -%}
    coalesce('{' || string_agg(
            cast(to_json(cast({{ key }} as text)) as text) || ':' || coalesce(cast(to_json({{ value }}) as text), 'null'),
            ',' order by {{ order_by }})
        filter (where {{ key }} is not null) || '}', '{}')
{%- endmacro %}

{% macro postgres__json_text_is_valid(expression, kind) -%}
    (json_typeof({{ target.schema }}.retention_try_json({{ expression }})) = '{{ kind | lower }}')
{%- endmacro %}
