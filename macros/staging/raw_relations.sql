{#- Where the staging models read their input. The raw tables are the `raw` source: schema
    var `raw_schema`, database var `raw_database` (default the target's), and each table's
    name var `raw_<table>_identifier` (default the table's own name), so a project that
    installs this one as a package points it at its own tables with vars alone. -#}

{#- Whether a raw table is read at all: the optional tables can be declared absent
    (vars using_churn_predictions, using_customer_features), load_errors exists only where
    the raw files are read by this project (var raw_from_files), and the upload is a table
    only with var churn_upload_from: table. -#}
{% macro raw_table_enabled(table) -%}
    {%- if table in ('churn_predictions', 'customer_features') -%}
        {{ return(var('using_' ~ table, true) | string | lower == 'true') }}
    {%- elif table == 'load_errors' -%}
        {{ return(var('raw_from_files', true) | string | lower == 'true') }}
    {%- elif table == 'churn_upload' -%}
        {{ return(var('churn_upload_from', 'file') == 'table') }}
    {%- endif -%}
    {{ return(true) }}
{%- endmacro %}

{#- `select * from` the raw table, or, for a table declared absent, an empty relation with
    its columns (all text), so that nothing downstream needs to know. -#}
{% macro raw_table_select(table) -%}
    {%- if raw_table_enabled(table) -%}
        select * from {{ source('raw', table) }}
    {%- else -%}
        {%- set columns = [] -%}
        {%- for name, type in raw_table_columns().get(table, load_errors_columns()) -%}
            {%- do columns.append('cast(null as ' ~ (dbt.type_bigint() if type == 'bigint' else dbt.type_string()) ~ ') as ' ~ name) -%}
        {%- endfor -%}
        select {{ columns | join(', ') }}{{ ', cast(null as ' ~ dbt.type_bigint() ~ ') as _raw_row_number' if table != 'load_errors' }}
        where 1 = 0
    {%- endif -%}
{%- endmacro %}

{#- The row's raw order: `_raw_row_number` where the table has it (files read by this
    project, tables loaded by scripts/load_raw.py); a table of the host's own has no row
    order, so its rows are numbered in the order of their values (a deterministic stand-in:
    copies that tie on every value are interchangeable). -#}
{% macro raw_row_number(table) -%}
    {%- set types = raw_column_types(table) -%}
    {%- if not execute or not raw_table_enabled(table) or '_raw_row_number' in types -%}
        _raw_row_number
    {%- else -%}
        {%- set keys = [] -%}
        {%- for name, type in raw_table_columns()[table] -%}
            {%- do keys.append('cast(' ~ name ~ ' as ' ~ dbt.type_string() ~ ')') -%}
        {%- endfor -%}
        row_number() over (order by {{ keys | join(', ') }})
    {%- endif -%}
{%- endmacro %}
