{#- The raw tables and their columns (spec section 2), in one place: the DuckDB file reader
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


{#- DuckDB: RAW_DATA_DIR/<table>.parquet, or RAW_DATA_DIR/<table>.csv (read as text), becomes
    the view <raw_schema>.<table>. A missing or empty file becomes an empty view, so an absent
    optional table (churn_predictions, customer_features) never fails the build. Every view
    carries `_raw_row_number`, the row's position in its file, which breaks ties between
    duplicate transaction_ids ("raw order"). -#}
{% macro duckdb__register_raw_sources() -%}
    {%- if not execute -%}{{ return('select 1 as raw_tables_registered') }}{%- endif -%}
    {%- set raw_dir = env_var('RAW_DATA_DIR', 'data/raw') | replace("'", "''") -%}
    {%- set schema = var('raw_schema') -%}
    {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- for table, columns in raw_table_columns().items() -%}
        {%- set reader = none -%}
        {%- set candidates = run_query(
            "select file, file like '%.csv' as is_csv from glob('" ~ raw_dir ~ "/" ~ table ~ ".parquet')"
            ~ " union all select file, true from glob('" ~ raw_dir ~ "/" ~ table ~ ".csv') order by 2"
        ).columns[0].values() -%}
        {%- set non_empty = [] -%}
        {%- for file in candidates -%}
            {%- if run_query("select size from read_blob('" ~ file | replace("'", "''") ~ "')").columns[0].values()[0] > 0 -%}
                {%- do non_empty.append(file) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if non_empty | length > 0 -%}
            {%- set path = non_empty[0] | replace("'", "''") -%}
            {%- if path.endswith('.parquet') -%}
                {%- set reader = "read_parquet('" ~ path ~ "', file_row_number = true)" -%}
                {%- set row_number = 'file_row_number' -%}
            {%- else -%}
                {%- set reader = "read_csv('" ~ path ~ "', header = true, all_varchar = true)" -%}
                {%- set row_number = 'row_number() over ()' -%}
            {%- endif -%}
            {%- set present = run_query('describe select * from ' ~ reader).columns[0].values() | map('lower') | list -%}
        {%- endif -%}
        {%- set select_list = [] -%}
        {%- for name, type in columns -%}
            {%- if reader is not none and name in present -%}
                {%- do select_list.append('"' ~ name ~ '"') -%}
            {%- else -%}
                {%- do select_list.append('cast(null as ' ~ type ~ ') as ' ~ name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if reader is not none -%}
            {%- do select_list.append('cast(' ~ row_number ~ ' as bigint) as _raw_row_number') -%}
            {%- set body = 'select ' ~ select_list | join(', ') ~ ' from ' ~ reader -%}
        {%- else -%}
            {%- do select_list.append('cast(null as bigint) as _raw_row_number') -%}
            {%- set body = 'select ' ~ select_list | join(', ') ~ ' where false' -%}
            {%- do log('raw table ' ~ table ~ ': no file in ' ~ raw_dir ~ ', using an empty table', info=true) -%}
        {%- endif -%}
        {%- do run_query('create or replace view ' ~ schema ~ '.' ~ table ~ ' as ' ~ body) -%}
    {%- endfor -%}
    select 1 as raw_tables_registered
{%- endmacro %}
