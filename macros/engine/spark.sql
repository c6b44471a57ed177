{#- Apache Spark (4.x, dbt-spark) spellings of the engine macros, giving DuckDB's results:
    the same parsing rules for raw text, DuckDB's rounding of the exact double, JSON text in
    the same shape. The session runs in UTC (profiles.yml). -#}

{#- run-operation of scripts/load_raw.py: the raw tables, prepared by it as Parquet files in
    `directory` (one per table, load_errors included), copied into tables of `schema`. -#}
{% macro spark_load_raw(directory, tables, schema='raw') -%}
    {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- for table in tables -%}
        {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ table) -%}
        {%- do run_query('create table ' ~ schema ~ '.' ~ table ~ ' using parquet as select * from parquet.`'
            ~ directory ~ '/' ~ table ~ '.parquet`') -%}
        {%- do log('loaded ' ~ schema ~ '.' ~ table, info=true) -%}
    {%- endfor -%}
{%- endmacro %}

{% macro spark__safe_date(expression) -%}
    {%- set t = 'cast(' ~ expression ~ ' as string)' -%}
    (case when {{ t }} rlike '^\\s*\\d{4}[-/]\\d{1,2}[-/]\\d{1,2}([ T]\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}(:?\\d{2})?)?)?\\s*$'
        then try_cast(split(regexp_replace(trim({{ t }}), '/', '-'), '[ T]')[0] as date)
    end)
{%- endmacro %}

{#- DuckDB's number grammar; Java would also take '1d', '0x1p3', 'NaN'. -#}
{% macro spark__safe_double(expression) -%}
    {%- set t = 'cast(' ~ expression ~ ' as string)' -%}
    {%- set n = 'try_cast(replace(trim(' ~ t ~ "), '_', '') as double)" -%}
    (case when {{ t }} rlike '^\\s*[+-]?(\\d+(_\\d+)*(\\.(\\d+(_\\d+)*)?)?|\\.\\d+(_\\d+)*)([eE][+-]?\\d+(_\\d+)*)?\\s*$'
        then case when abs({{ n }}) < 1e18 then {{ n }} end
    end)
{%- endmacro %}

{% macro spark__safe_timestamp_utc(expression) -%}
    {%- set t = 'cast(' ~ expression ~ ' as string)' -%}
    (case when {{ t }} rlike '^\\d{4}[-/]\\d{1,2}[-/]\\d{1,2}([ T]\\d{1,2}:\\d{2}(:[0-5]\\d(\\.\\d+)?)?)?(Z|[+-]\\d{2}(:?\\d{2}(:?\\d{2})?)?)?$'
        then try_cast(regexp_replace({{ t }}, '^(\\d{4})/(\\d{1,2})/(\\d{1,2})', '$1-$2-$3') as timestamp)
    end)
{%- endmacro %}

{#- DuckDB writes whole doubles below 1e15 as '12.0' and others in the shortest form. -#}
{% macro spark__double_text(expression) -%}
    (case
        when {{ expression }} = floor({{ expression }}) and abs({{ expression }}) < 1e15
            then concat(cast(cast({{ expression }} as decimal(20, 0)) as string), '.0')
        when abs({{ expression }}) >= 1e-4 and abs({{ expression }}) < 1e15
            then regexp_replace(cast(cast({{ expression }} as decimal(38, 17)) as string), '\\.?0+$', '')
        else cast({{ expression }} as string)
    end)
{%- endmacro %}

{% macro spark__integer_divide(numerator, denominator) -%}
    (cast({{ numerator }} as decimal(38, 0)) div cast({{ denominator }} as decimal(38, 0)))
{%- endmacro %}

{% macro spark__add_days(expression, days) -%}
    timestampadd(DAY, cast({{ days }} as int), {{ expression }})
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    datediff(cast({{ end_date }} as date), cast({{ start_date }} as date))
{%- endmacro %}

{#- DuckDB rounds the exact double half away from zero. p = x * 10^d is exact unless the
    multiplication rounded; it can only have rounded onto a tie (k + 0.5) if the exact
    product lay beside it, and the product's rounding error (Dekker's two-product, exact in
    doubles) says on which side. -#}
{% macro spark__round_to(expression, digits) -%}
    {%- set x = '(cast(' ~ expression ~ ' as double))' -%}
    {%- set s = '(cast(' ~ (10 ** digits) ~ ' as double))' -%}
    {%- set p = '(' ~ x ~ ' * ' ~ s ~ ')' -%}
    {%- set xh = '((134217729.0d * ' ~ x ~ ') - ((134217729.0d * ' ~ x ~ ') - ' ~ x ~ '))' -%}
    {%- set error = '((' ~ xh ~ ' * ' ~ s ~ ' - ' ~ p ~ ') + (' ~ x ~ ' - ' ~ xh ~ ') * ' ~ s ~ ')' -%}
    (case
        when abs({{ p }} - cast({{ p }} as bigint)) = 0.5 and signum({{ error }}) = -signum({{ p }})
            then cast(cast({{ p }} as bigint) as double)
        else round({{ p }}, 0)
    end / {{ s }})
{%- endmacro %}

{% macro spark__hash64(expression) -%}
    xxhash64({{ expression }})
{%- endmacro %}

{#- JSON text: to_json writes Spark values (nulls kept); the aggregates join the elements in
    order with listagg. -#}
{% macro spark__json_object_text(pairs) -%}
    to_json(named_struct(
        {%- for key, expression in pairs %}
        '{{ key }}', {{ expression }}{{ "," if not loop.last }}
        {%- endfor %}
    ), map('ignoreNullFields', 'false'))
{%- endmacro %}

{% macro spark__json_array_agg_text(expression, order_by) -%}
    coalesce(concat('[', listagg(
        case when {{ expression }} is not null then substr(to_json(array({{ expression }})), 2, length(to_json(array({{ expression }}))) - 2) end,
        ',') within group (order by {{ order_by }}), ']'), '[]')
{%- endmacro %}

{% macro spark__json_object_array_agg_text(pairs, order_by) -%}
    coalesce(concat('[', listagg({{ spark__json_object_text(pairs) }}, ',') within group (order by {{ order_by }}), ']'), '[]')
{%- endmacro %}

{% macro spark__json_object_agg_text(key, value, order_by) -%}
    coalesce(concat('{', listagg(
        case when {{ key }} is not null then substr(to_json(map(cast({{ key }} as string), {{ value }})), 2, length(to_json(map(cast({{ key }} as string), {{ value }}))) - 2) end,
        ',') within group (order by {{ order_by }}), '}'), '{}')
{%- endmacro %}

{% macro spark__json_text_is_valid(expression, kind) -%}
    {%- if kind | lower == 'array' -%}
        (try_parse_json({{ expression }}) is not null and json_array_length({{ expression }}) is not null)
    {%- else -%}
        (try_parse_json({{ expression }}) is not null and json_object_keys({{ expression }}) is not null)
    {%- endif -%}
{%- endmacro %}

{% macro spark__json_array_length_text(expression) -%}
    json_array_length({{ expression }})
{%- endmacro %}

{#- Seeds on Spark: dbt-spark's session connection pastes values between quotes without
    escaping them, so a text with an apostrophe (risk_signal_catalog) breaks the insert; here
    every value is a literal with its quotes and backslashes escaped. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- set value = row[loop.index0] -%}
                    {%- if value is none -%}
                        cast(null as {{ type }})
                    {%- else -%}
                        cast('{{ (value | string) | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                    {%- endif -%}
                    {{- ',' if not loop.last -}}
                {%- endfor -%})
                {{- ',' if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
