{#- What a reject row says of a line the raw-file reader could not take (raw.load_errors):
    where it is, that none of its values are used, and what to fix. -#}
{% macro unreadable_line_message(line, file, error_message) -%}
    'line ' || cast({{ line }} as {{ dbt.type_string() }}) || ' of ' || {{ file }}
    || ' could not be read, so none of its values are used: ' || {{ error_message }}
{%- endmacro %}
