{#- The raw row as it arrived, as JSON text with every column as text (numbers written the
    same way on every engine, see double_text): what data_quality_rejects shows a person so
    they can find and fix the row at its origin. `column_prefix` names the columns when they
    were carried under another name (e.g. raw_), and `relation` is then the model that
    carries them (its column types are read from there; by default, from the raw table). -#}
{% macro raw_record_json(table_name, column_prefix='', relation=none) -%}
    {%- set types = raw_column_types(table_name) if relation is none else relation_column_types(relation) -%}
    {%- set pairs = [] -%}
    {%- for name, type in raw_table_columns()[table_name] -%}
        {%- set column = column_prefix ~ name -%}
        {%- if types.get(column) in ('double', 'double precision', 'float', 'float8') -%}
            {%- do pairs.append((name, double_text(column))) -%}
        {%- else -%}
            {%- do pairs.append((name, 'cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')')) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ json_object_text(pairs) }}
{%- endmacro %}
