{#- The column is the model's key: never NULL and never repeated, checked in one scan (dbt's
    `unique` and `not_null` in one test node: dbt's own cost per node is most of a build's
    time). Returns each repeated key and the NULL key, with the number of rows holding it. -#}
{% test primary_key(model, column_name) %}
    select {{ column_name }} as key_value, count(*) as rows_with_key
    from {{ model }}
    group by {{ column_name }}
    having count(*) > 1 or {{ column_name }} is null
{% endtest %}
