{#- Text normalisation applied in staging before any rule reads a value (spec section 10). -#}

{#- An identifier: trimmed; blank means missing. -#}
{% macro clean_id(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{#- A code (org_type, transaction_type, category): trimmed and lower-cased; blank means missing. -#}
{% macro clean_code(column) -%}
    nullif(lower(trim(cast({{ column }} as {{ dbt.type_string() }}))), '')
{%- endmacro %}
