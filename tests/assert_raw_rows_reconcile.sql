{#- Nothing is dropped silently: per raw table, raw rows (those read plus the file lines that
    could not be read) = used (valid) rows + rejected rows. -#}
{%- set tables = raw_validated_models() -%}

with

counts as (
    {%- for table, validated in tables.items() %}
    select
        '{{ table }}' as source_table,
        (select count(*) from ({{ raw_table_select(table) }}) as raw_table)
        + (
            select count(*) from {{ ref('stg_raw__load_errors') }}
            where source_table = '{{ table }}'
        ) as raw_rows,
        (
            select count(*) from {{ ref(validated) }}
            where reject_reason_code is null
        ) as used_rows,
        (
            select count(*) from {{ ref('data_quality_rejects') }}
            where source_table = '{{ table }}'
        ) as rejected_rows
    {{ 'union all' if not loop.last }}
    {%- endfor %}
    union all
    select
        'churn_upload' as source_table,
        (select count(*) from {{ ref('stg_seeds__churn_upload') }}) as raw_rows,  -- one row per upload row
        (
            select count(*) from {{ ref('int_churn_upload_validated') }}
            where reject_reason_code is null
        ) as used_rows,
        (
            select count(*) from {{ ref('data_quality_rejects') }}
            where source_table = 'churn_upload'
        ) as rejected_rows
)

select *
from counts
where raw_rows != used_rows + rejected_rows
