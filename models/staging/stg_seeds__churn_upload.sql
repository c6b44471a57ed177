{#- The uploaded churn scores, as given, one row per line of the upload: var
    churn_upload_from says where it comes from:
    - file (the default): the CSV file var `churn_upload_file` (seeds/synthetic_churn_predictions.csv)
      read by the project's raw-file reader like a raw file (on DuckDB by the profile's plugin
      when the build starts, elsewhere by scripts/load_raw.py) into the raw table
      churn_upload_file; each line the reader could not take is a row here too, with
      unreadable_message set (and no values), so that it is rejected like any other row;
    - seed: the seed synthetic_churn_predictions, loaded by `dbt seed` (a line dbt's loader
      cannot take fails the build there);
    - table: the raw table churn_upload (its name is var raw_churn_upload_identifier);
    - none: no upload at all.
    A file with only customer_id,churn_score belongs to var `churn_upload_organization_id`; a
    file with an organization_id column says it per row (and an unreadable line of such a file
    belongs to no organisation). -#}
{%- set upload_from = var('churn_upload_from', 'file') -%}
{%- if upload_from not in ('file', 'seed', 'table', 'none') -%}
    {{ exceptions.raise_compiler_error("var churn_upload_from must be file, seed, table or none, not '" ~ upload_from ~ "'") }}
{%- endif -%}
{#- Checked when the model runs, not when dbt parses: any command (a `dbt seed` of other seeds)
    would stop on it otherwise. -#}
{%- if execute and upload_from == 'file' and var('raw_from_files', true) | string | lower != 'true' -%}
    {{ exceptions.raise_compiler_error("var churn_upload_from: file reads the upload with the raw files, which var raw_from_files: false turns off; set churn_upload_from to table, seed or none") }}
{%- endif -%}
{%- set upload = source('raw', 'churn_upload_file') if upload_from == 'file'
    else ref('synthetic_churn_predictions') if upload_from == 'seed'
    else source('raw', 'churn_upload') if upload_from == 'table' else none -%}
{%- set has_organization_column = false -%}
{%- if execute and upload is not none -%}
{%- set upload_columns = adapter.get_columns_in_relation(upload) | map(attribute='name') | map('lower') | list -%}
{%- set has_organization_column = 'organization_id' in upload_columns -%}
{%- endif -%}

with

source as (

    {%- if upload is none %}
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as churn_score
    where 1 = 0
    {%- else %}
    select * from {{ upload }}
    {%- endif %}

),

normalized as (

    select
        {%- if has_organization_column %}
        {{ clean_id('organization_id') }} as organization_id,
        {%- else %}
        cast('{{ var("churn_upload_organization_id") }}' as {{ dbt.type_string() }}) as organization_id,
        {%- endif %}
        cast(customer_id as {{ dbt.type_string() }}) as customer_ref,
        {{ clean_id('customer_id') }} as customer_key,
        {{ clean_id('churn_score') }} as churn_score_text,
        {{ safe_double(clean_id('churn_score')) }} as churn_score,
        {{ json_object_text(
            ([('organization_id', 'cast(organization_id as ' ~ dbt.type_string() ~ ')')] if has_organization_column else [])
            + [('customer_id', 'cast(customer_id as ' ~ dbt.type_string() ~ ')'),
               ('churn_score', 'cast(churn_score as ' ~ dbt.type_string() ~ ')')]
        ) }} as raw_record,
        cast(null as {{ dbt.type_string() }}) as unreadable_message

    from source

)

{%- if upload_from == 'file' %},

unreadable_lines as (

    select
        -- a line that cannot be read has no organisation of its own, even in a file with an
        -- organization_id column: it counts for the upload's default organisation
        cast('{{ var("churn_upload_organization_id") }}' as {{ dbt.type_string() }}) as organization_id,
        cast(null as {{ dbt.type_string() }}) as customer_ref,
        cast(null as {{ dbt.type_string() }}) as customer_key,
        cast(null as {{ dbt.type_string() }}) as churn_score_text,
        cast(null as {{ type_double() }}) as churn_score,
        {{ json_object_text([('file', 'file'), ('line', 'line'), ('csv_line', 'csv_line')]) }} as raw_record,
        {{ unreadable_line_message('line', 'file', 'error_message') }} as unreadable_message

    from {{ ref('stg_raw__load_errors') }}
    where source_table = 'churn_upload'

)

select * from normalized
union all
select * from unreadable_lines
{%- else %}

select * from normalized
{%- endif %}
