{#- The invariants of one model's rows, checked in one scan of it (one test node instead of one
    per column: dbt's own cost per node is most of a build's time):
      not_null         columns that are never NULL;
      accepted_values  {column: [values]}: the column's non-NULL values are in the list;
      json             {column: 'object' or 'array'}: the column's non-NULL values are JSON text
                       of that kind;
      expressions      conditions every row satisfies (a row where one is false or NULL fails).
    Returns one row per failed check, naming it, with the number of rows that fail it. -#}
{% test row_checks(model, not_null=[], accepted_values={}, json={}, expressions=[]) %}
    with

    failing_rows as (
        select
            {%- for column in not_null %}
            sum(case when {{ column }} is null then 1 else 0 end) as not_null_{{ loop.index }},
            {%- endfor %}
            {%- for column, values in accepted_values.items() %}
            sum(case when {{ column }} not in ('{{ values | map('replace', "'", "''") | join("', '") }}') then 1 else 0 end)
                as accepted_values_{{ loop.index }},
            {%- endfor %}
            {%- for column, kind in json.items() %}
            sum(case when {{ column }} is not null
                and not coalesce({{ json_text_is_valid(column, kind) }}, false) then 1 else 0 end) as json_{{ loop.index }},
            {%- endfor %}
            {%- for expression in expressions %}
            sum(case when coalesce({{ expression }}, false) then 0 else 1 end) as expression_{{ loop.index }},
            {%- endfor %}
            count(*) as checked_rows
        from {{ model }}
    ),

    checks as (
        {%- for column in not_null %}
        select '{{ column }} is not null' as failed_check, not_null_{{ loop.index }} as failing_rows from failing_rows
        union all
        {%- endfor %}
        {%- for column, values in accepted_values.items() %}
        select '{{ column }} in ({{ values | join(", ") | replace("'", "''") }})' as failed_check,
            accepted_values_{{ loop.index }} as failing_rows
        from failing_rows
        union all
        {%- endfor %}
        {%- for column, kind in json.items() %}
        select '{{ column }} is a JSON {{ kind }}' as failed_check, json_{{ loop.index }} as failing_rows from failing_rows
        union all
        {%- endfor %}
        {%- for expression in expressions %}
        select '{{ expression | replace("'", "''") }}' as failed_check, expression_{{ loop.index }} as failing_rows
        from failing_rows
        union all
        {%- endfor %}
        select 'no check' as failed_check, 0 as failing_rows from failing_rows
    )

    select failed_check, failing_rows
    from checks
    where failing_rows > 0
{% endtest %}
