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

{#- Aggregate: a JSON array of objects built from (key, sql_expression) pairs, ordered by
    `order_by`, as text; '[]' for none. -#}
{% macro json_object_array_agg_text(pairs, order_by) -%}
    {{ return(adapter.dispatch('json_object_array_agg_text')(pairs, order_by)) }}
{%- endmacro %}
{% macro default__json_object_array_agg_text(pairs, order_by) -%}
    coalesce(cast(to_json(list(json_object(
        {%- for key, expression in pairs %}
        '{{ key }}', {{ expression }}{{ "," if not loop.last }}
        {%- endfor %}
    ) order by {{ order_by }})) as varchar), '[]')
{%- endmacro %}

{#- Aggregate: a JSON object from key and value expressions, keys in `order_by` order, as
    text; '{}' for none (rows with a NULL key are skipped). -#}
{% macro json_object_agg_text(key, value, order_by) -%}
    {{ return(adapter.dispatch('json_object_agg_text')(key, value, order_by)) }}
{%- endmacro %}
{% macro default__json_object_agg_text(key, value, order_by) -%}
    coalesce(cast(to_json(map_from_entries(
        list(struct_pack(k := {{ key }}, v := {{ value }}) order by {{ order_by }}) filter (where {{ key }} is not null)
    )) as varchar), '{}')
{%- endmacro %}
