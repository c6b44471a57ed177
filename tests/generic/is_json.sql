{#- Every non-NULL value of the column is valid JSON text of the given kind
    ('object' or 'array'). -#}
{% test is_json(model, column_name, kind='object') %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
      and not coalesce({{ json_text_is_valid(column_name, kind) }}, false)
{% endtest %}
