{#- Schemas read `staging`, `intermediate`, `marts` (not `<target>_marts`): the custom
    schema is used as is, the target's schema only where a node sets none. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
