{#- The raw tables and their columns (rules section 2) as {table: [(column, type), ...]}, from
    var raw_table_columns (dbt_project.yml, which Python reads too): the raw-file reader
    (retention_tools/raw_files.py) selects exactly these columns, filling a missing column or
    file with typed NULLs. -#}
{% macro raw_table_columns() -%}
    {%- set tables = {} -%}
    {%- for table, columns in var('raw_table_columns').items() -%}
        {%- do tables.update({table: columns.items() | list}) -%}
    {%- endfor -%}
    {{ return(tables) }}
{%- endmacro %}


{#- The columns of load_errors: the CSV lines the reader could not take. -#}
{% macro load_errors_columns() -%}
    {{ return([('source_table', 'varchar'), ('file', 'varchar'), ('line', 'bigint'), ('csv_line', 'varchar'),
        ('error_message', 'varchar')]) }}
{%- endmacro %}


{#- on-run-start hook: what an engine needs before anything runs. DuckDB: the raw files were
    read into `raw_schema` when this command opened the database, by the dbt-duckdb plugin
    retention_tools.duckdb_plugin of the profile (nothing is read here); PostgreSQL: the
    parsing functions it lacks (postgres.sql). -#}
{% macro engine_run_start() -%}
    {{ return(adapter.dispatch('engine_run_start')()) }}
{%- endmacro %}

{% macro default__engine_run_start() -%}
{%- endmacro %}

{#- A DuckDB profile without the plugin would build from the raw tables a previous command
    left: with var raw_from_files, the command stops unless the plugin read the files for it
    (it sets the variable retention_raw_files_read to the command's invocation_id on every
    connection dbt opens). -#}
{% macro duckdb__engine_run_start() -%}
    {%- if execute and raw_table_enabled('load_errors') -%}
        {%- set read = run_query("select getvariable('retention_raw_files_read')").columns[0].values()[0] -%}
        {%- if read != invocation_id -%}
            {{ exceptions.raise_compiler_error("the raw files were not read: on DuckDB, RAW_DATA_DIR is read into "
                ~ var('raw_schema') ~ " by the dbt-duckdb plugin retention_tools.duckdb_plugin, which target "
                ~ target.name ~ " of this profile lacks. Give it the plugins and module_paths of this project's"
                ~ " profiles.yml, or set var raw_from_files: false to read the raw tables where they are.") }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The lower-case data types of a relation's columns as the engine holds them, by column
    name (empty while parsing), so models can skip work the types make unnecessary. -#}
{% macro relation_column_types(relation) -%}
    {%- set types = {} -%}
    {%- if execute -%}
        {%- for item in adapter.get_columns_in_relation(relation) -%}
            {%- do types.update({item.name | lower: item.dtype | lower}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(types) }}
{%- endmacro %}

{#- The same for a raw table. -#}
{% macro raw_column_types(table) -%}
    {%- if not raw_table_enabled(table) -%}{{ return({}) }}{%- endif -%}
    {{ return(relation_column_types(source('raw', table))) }}
{%- endmacro %}

{#- The lower-case data type of one raw column (none while parsing, or when it does not exist). -#}
{% macro raw_column_type(table, column) -%}
    {{ return(raw_column_types(table).get(column)) }}
{%- endmacro %}
