{#- run-operation for comparing engines: prints every row of the given relations of `schema`
    as one line `RELATION_JSON {"relation": ..., "rows": [{column: text or null}, ...]}`
    per relation, through the target's own connection (no client library needed). -#}
{% macro dump_relations_json(relations, schema='marts') -%}
    {%- for name in relations -%}
        {%- set result = run_query('select * from ' ~ schema ~ '.' ~ name) -%}
        {%- set rows = [] -%}
        {%- for row in result.rows -%}
            {%- set item = {} -%}
            {%- for column in result.column_names -%}
                {%- do item.update({column: none if row[column] is none else (row[column] | string)}) -%}
            {%- endfor -%}
            {%- do rows.append(item) -%}
        {%- endfor -%}
        {{ print('RELATION_JSON ' ~ tojson({'relation': name, 'rows': rows})) }}
    {%- endfor -%}
{%- endmacro %}
