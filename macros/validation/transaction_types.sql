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

{#- A transaction type that a metric counts, as a quoted SQL literal, checked against var
    `transaction_types`: it must be a type of `org_types` (an industry, or a list of them,
    each of which must have it). A var that drops or renames the type stops the build with a
    message, instead of leaving a metric that silently counts nothing. -#}
{% macro event_type(org_types, name) -%}
    {%- set industries = [org_types] if org_types is string else org_types -%}
    {%- for org_type in industries if name not in var('transaction_types').get(org_type, []) -%}
        {{ exceptions.raise_compiler_error(
            "The event metrics count transaction type '" ~ name ~ "' of industry " ~ org_type
            ~ ", which var transaction_types does not list for it ("
            ~ var('transaction_types').get(org_type, []) | join(', ') ~ ")."
        ) }}
    {%- endfor -%}
    '{{ name }}'
{%- endmacro %}
