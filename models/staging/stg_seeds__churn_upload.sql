{#- The uploaded churn scores, as given: the seed synthetic_churn_predictions (var
    churn_upload_from: seed, the standalone default), the raw table churn_upload (table: its
    name is var raw_churn_upload_identifier), or none at all (none). A file with only
    customer_id,churn_score belongs to var `churn_upload_organization_id`; a file with an
    organization_id column says it per row. -#}
{%- set upload_from = var('churn_upload_from', 'seed') -%}
{%- if upload_from not in ('seed', 'table', 'none') -%}
    {{ exceptions.raise_compiler_error("var churn_upload_from must be seed, table or none, not '" ~ upload_from ~ "'") }}
{%- endif -%}
{%- set upload = ref('synthetic_churn_predictions') if upload_from == 'seed'
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
        ) }} as raw_record

    from source

)

select * from normalized
