{#- Validation as an ordered list of checks, one place per table: the first failing check
    names the row's `reject_reason_code` and its `reject_reason` (a sentence a person can act
    on). `checks` is a list of (code, condition_sql, message_sql); NULL codes mean valid. -#}
{% macro reject_reason_columns(checks) -%}
    case
        {%- for code, condition, message in checks %}
        when {{ condition }} then '{{ code }}'
        {%- endfor %}
    end as reject_reason_code,
    case
        {%- for code, condition, message in checks %}
        when {{ condition }} then {{ message }}
        {%- endfor %}
    end as reject_reason
{%- endmacro %}
