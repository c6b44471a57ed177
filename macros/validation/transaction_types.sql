{#- Whether a transaction type belongs to an industry, whether it is a value event (it
    makes R, F and M) and whether it is a contractual value event (a recurring bill), from the
    vars `transaction_types`, `value_transaction_types` and `contractual_value_types`. -#}
{#- Never NULL: a missing type or industry is simply not in the list. -#}
{% macro _type_in_industry(org_type_column, type_column, types_by_industry) -%}
    coalesce(case {{ org_type_column }}
        {%- for org_type, types in types_by_industry.items() %}
        when '{{ org_type }}' then {{ type_column }} in ('{{ types | join("', '") }}')
        {%- endfor %}
    end, false)
{%- endmacro %}

{% macro is_known_transaction_type(org_type_column, type_column) -%}
    {{ _type_in_industry(org_type_column, type_column, var('transaction_types')) }}
{%- endmacro %}

{% macro is_value_event(org_type_column, type_column) -%}
    {{ _type_in_industry(org_type_column, type_column, var('value_transaction_types')) }}
{%- endmacro %}

{#- A contractual type counts only where it is also a value event of the industry. -#}
{% macro is_contractual_event(org_type_column, type_column) -%}
    ({{ is_value_event(org_type_column, type_column) }}
        and {{ _type_in_industry(org_type_column, type_column, var('contractual_value_types')) }})
{%- endmacro %}

{#- The industries the project knows (the keys of var `transaction_types`), as a SQL list. -#}
{% macro known_org_types_sql() -%}
    ('{{ var("transaction_types").keys() | list | join("', '") }}')
{%- endmacro %}
