{#- This team's convention: a custom schema is used as is (crm, staging, marts ...). The
    root project's generate_schema_name decides for the package's models too. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
