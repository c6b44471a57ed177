{#- JSON built as text, valid on every engine: values are escaped by the engine's own JSON
    functions, never by string concatenation. -#}

{#- A JSON object from (key, sql_expression) pairs, as text. -#}
{% macro json_object_text(pairs) -%}
    {{ return(adapter.dispatch('json_object_text')(pairs)) }}
{%- endmacro %}
{% macro default__json_object_text(pairs) -%}
    cast(json_object(
        {%- for key, expression in pairs %}
        '{{ key }}', {{ expression }}{{ "," if not loop.last }}
        {%- endfor %}
    ) as varchar)
{%- endmacro %}

{#- Aggregate: a JSON array of `expression` ordered by `order_by`, as text; '[]' for none. -#}
{% macro json_array_agg_text(expression, order_by) -%}
    {{ return(adapter.dispatch('json_array_agg_text')(expression, order_by)) }}
{%- endmacro %}
{% macro default__json_array_agg_text(expression, order_by) -%}
    coalesce(
        cast(to_json(list({{ expression }} order by {{ order_by }}) filter (where {{ expression }} is not null)) as varchar),
        '[]'
    )
{%- endmacro %}

{#- True when text is valid JSON of the given kind ('object' or 'array'). -#}
{% macro json_text_is_valid(expression, kind) -%}
    {{ return(adapter.dispatch('json_text_is_valid')(expression, kind)) }}
{%- endmacro %}
{% macro default__json_text_is_valid(expression, kind) -%}
    (json_valid({{ expression }}) and json_type(cast({{ expression }} as json)) = '{{ kind | upper }}')
{%- endmacro %}

{#- Number of elements of a JSON array held as text. -#}
{% macro json_array_length_text(expression) -%}
    {{ return(adapter.dispatch('json_array_length_text')(expression)) }}
{%- endmacro %}
{% macro default__json_array_length_text(expression) -%}
    json_array_length(cast({{ expression }} as json))
{%- endmacro %}
