{#- Every combination of `columns` in the model exists in `to` (a multi-column relationships test). -#}
{% test relationships_by_columns(model, to, columns) %}
    select child.*
    from (select * from {{ model }}) as child  -- (a `where` config makes model a subquery)
    left join {{ to }} as parent
        on {% for column in columns %}child.{{ column }} = parent.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
    where parent.{{ columns[0] }} is null
{% endtest %}
