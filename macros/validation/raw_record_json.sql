{#- The raw row as it arrived, as JSON text with every column as text: what
    data_quality_rejects shows a person so they can find and fix the row at its origin. -#}
{#- `column_prefix` names the columns when they were carried under another name (e.g. raw_). -#}
{% macro raw_record_json(table_name, column_prefix='') -%}
    {%- set pairs = [] -%}
    {%- for name, type in raw_table_columns()[table_name] -%}
        {%- do pairs.append((name, 'cast(' ~ column_prefix ~ name ~ ' as ' ~ dbt.type_string() ~ ')')) -%}
    {%- endfor -%}
    {{ json_object_text(pairs) }}
{%- endmacro %}
