{#- Text normalisation applied in staging before any rule reads a value (rules section 10). -#}

{#- An identifier: trimmed; blank means missing. -#}
{% macro clean_id(column) -%}
    {{ trimmed_or_null('cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')') }}
{%- endmacro %}

{#- A code (org_type, transaction_type, category): trimmed and lower-cased; blank means missing. -#}
{% macro clean_code(column) -%}
    lower({{ trimmed_or_null('cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')') }})
{%- endmacro %}

{#- A text expression without leading or trailing white space; NULL when nothing is left. -#}
{% macro trimmed_or_null(expression) -%}
    {{ return(adapter.dispatch('trimmed_or_null')(expression)) }}
{%- endmacro %}

{% macro default__trimmed_or_null(expression) -%}
    nullif(trim({{ expression }}), '')
{%- endmacro %}

{#- DuckDB: a value that starts and ends with a printable ASCII character other than space
    (almost every id) is already trimmed and is passed through, which is three times cheaper
    than trim() on a hundred million distinct ids. -#}
{% macro duckdb__trimmed_or_null(expression) -%}
    case
        when unicode({{ expression }}) between 33 and 126 and unicode(({{ expression }})[-1]) between 33 and 126
            then {{ expression }}
        else nullif(trim({{ expression }}), '')
    end
{%- endmacro %}
