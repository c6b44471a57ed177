{#- The raw tables and their columns (rules section 2), in one place: the DuckDB file reader
    selects exactly these columns, filling a missing column or file with typed NULLs. -#}
{% macro raw_table_columns() -%}
    {{ return({
        'organizations': [
            ('organization_id', 'varchar'), ('name', 'varchar'), ('org_type', 'varchar')],
        'customers': [
            ('customer_id', 'varchar'), ('organization_id', 'varchar'), ('external_id', 'varchar'),
            ('signup_date', 'date'), ('plan_allowance_mb', 'double')],
        'transactions': [
            ('transaction_id', 'varchar'), ('customer_id', 'varchar'), ('occurred_at', 'timestamp'),
            ('transaction_type', 'varchar'), ('amount', 'double'), ('quantity', 'double'),
            ('category', 'varchar'), ('discount_amount', 'double')],
        'churn_predictions': [
            ('customer_id', 'varchar'), ('churn_probability', 'double'), ('predicted_at', 'timestamp')],
        'customer_features': [
            ('customer_id', 'varchar'), ('recency_days', 'double'), ('frequency', 'double'),
            ('monetary', 'double'), ('engagement', 'double'), ('recency_score', 'double'),
            ('frequency_score', 'double'), ('monetary_score', 'double'),
            ('engagement_score', 'double'), ('calculated_at', 'timestamp')],
    }) }}
{%- endmacro %}


{#- on-run-start hook: make the raw tables available as relations in `raw_schema`.
    Other engines hold them as tables already (scripts/load_raw.py loads them). -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    select 1 as raw_tables_are_tables
{%- endmacro %}


{#- DuckDB: RAW_DATA_DIR/<table>.parquet becomes the view <raw_schema>.<table>;
    RAW_DATA_DIR/<table>.csv (header, comma, double quotes, read as text) is loaded into the
    table <raw_schema>.<table>, short lines padded with NULLs, and every line the reader cannot
    take (e.g. invalid UTF-8) goes to <raw_schema>.load_errors instead of failing the build.
    A missing or empty file is an empty table, so an absent optional table (churn_predictions,
    customer_features) never fails the build. Every table carries `_raw_row_number`, the row's
    position in its file, which breaks ties between duplicate transaction_ids ("raw order"). -#}
{% macro duckdb__register_raw_sources() -%}
    {%- if not execute -%}{{ return('select 1 as raw_tables_registered') }}{%- endif -%}
    {%- set raw_dir = env_var('RAW_DATA_DIR', 'data/raw') | replace("'", "''") -%}
    {%- set schema = var('raw_schema') -%}
    {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- do run_query('create or replace table ' ~ schema ~ '.load_errors (source_table varchar, line bigint, csv_line varchar, error_message varchar)') -%}
    {%- for table, columns in raw_table_columns().items() -%}
        {%- set candidates = run_query(
            "select file from glob('" ~ raw_dir ~ "/" ~ table ~ ".parquet')"
            ~ " union all select file from glob('" ~ raw_dir ~ "/" ~ table ~ ".csv')"
        ).columns[0].values() | sort -%}
        {%- set non_empty = [] -%}
        {%- for file in candidates | reverse -%}  {#- .parquet before .csv -#}
            {%- if run_query("select size from read_blob('" ~ file | replace("'", "''") ~ "')").columns[0].values()[0] > 0 -%}
                {%- do non_empty.append(file | replace("'", "''")) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set relation = schema ~ '.' ~ table -%}
        {%- if non_empty | length == 0 -%}
            {%- do log('raw table ' ~ table ~ ': no file in ' ~ raw_dir ~ ', using an empty table', info=true) -%}
            {%- do _drop_raw_relation(schema, table) -%}
            {%- do run_query('create or replace table ' ~ relation ~ ' as select '
                ~ _raw_select_list(columns, []) ~ ', cast(null as bigint) as _raw_row_number where false') -%}
        {%- elif non_empty[0].endswith('.parquet') -%}
            {%- set reader = "read_parquet('" ~ non_empty[0] ~ "', file_row_number = true)" -%}
            {%- set present = run_query('describe select * from ' ~ reader).columns[0].values() | map('lower') | list -%}
            {%- do _require_known_columns(non_empty[0], columns, present) -%}
            {%- do _drop_raw_relation(schema, table) -%}
            {%- do run_query('create or replace view ' ~ relation ~ ' as select '
                ~ _raw_select_list(columns, present) ~ ', cast(file_row_number + 1 as bigint) as _raw_row_number from ' ~ reader) -%}
        {%- else -%}
            {%- set reader = "read_csv('" ~ non_empty[0] ~ "', header = true, delim = ',', quote = '\"', escape = '\"',"
                ~ " all_varchar = true, null_padding = true, store_rejects = true,"
                ~ " rejects_table = 'raw_rejects_" ~ table ~ "', rejects_scan = 'raw_scans_" ~ table ~ "')" -%}
            {%- set present = run_query('describe select * from ' ~ reader).columns[0].values() | map('lower') | list -%}
            {%- do _require_known_columns(non_empty[0], columns, present) -%}
            {%- do _drop_raw_relation(schema, table) -%}
            {#- row_number() over () is the file order only while insertion order is kept -#}
            {%- set keep_order = run_query("select current_setting('preserve_insertion_order')").columns[0].values()[0] -%}
            {%- do run_query('set preserve_insertion_order = true') -%}
            {%- do run_query('create or replace table ' ~ relation ~ ' as select '
                ~ _raw_select_list(columns, present) ~ ', cast(row_number() over () as bigint) as _raw_row_number from ' ~ reader) -%}
            {%- do run_query('set preserve_insertion_order = ' ~ keep_order) -%}
            {%- do run_query("insert into " ~ schema ~ ".load_errors select '" ~ table ~ "', line, csv_line, error_message"
                ~ " from raw_rejects_" ~ table) -%}
        {%- endif -%}
    {%- endfor -%}
    select 1 as raw_tables_registered
{%- endmacro %}

{#- A file whose header has none of the expected columns (another delimiter, another table)
    stops the build with one message naming the file and the columns it has, instead of
    every row being rejected for a missing id. scripts/load_raw.py says the same. -#}
{% macro _require_known_columns(file, columns, present) -%}
    {%- set expected = [] -%}
    {%- for name, type in columns -%}{%- do expected.append(name) -%}{%- endfor -%}
    {%- if present | select('in', expected) | list | length == 0 -%}
        {{ exceptions.raise_compiler_error(file ~ ' has none of the expected columns (' ~ expected | join(', ')
            ~ '); its header reads: ' ~ present | join(', ') ~ '. Is it comma-separated, with a header line?') }}
    {%- endif -%}
{%- endmacro %}

{#- The expected columns, each taken from the file when present and NULL otherwise. -#}
{% macro _raw_select_list(columns, present) -%}
    {%- set items = [] -%}
    {%- for name, type in columns -%}
        {%- if name in present -%}
            {%- do items.append('"' ~ name ~ '"') -%}
        {%- else -%}
            {%- do items.append('cast(null as ' ~ type ~ ') as ' ~ name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(items | join(', ')) }}
{%- endmacro %}

{#- Drop <schema>.<name> whether it is a view or a table (the file's format may change). -#}
{% macro _drop_raw_relation(schema, name) -%}
    {%- set found = run_query("select table_type from information_schema.tables where table_schema = '"
        ~ schema ~ "' and table_name = '" ~ name ~ "'").columns[0].values() -%}
    {%- for table_type in found -%}
        {%- do run_query('drop ' ~ ('view' if table_type == 'VIEW' else 'table') ~ ' ' ~ schema ~ '.' ~ name) -%}
    {%- endfor -%}
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
    {{ return(relation_column_types(source('raw', table))) }}
{%- endmacro %}

{#- The lower-case data type of one raw column (none while parsing, or when it does not exist). -#}
{% macro raw_column_type(table, column) -%}
    {{ return(raw_column_types(table).get(column)) }}
{%- endmacro %}
