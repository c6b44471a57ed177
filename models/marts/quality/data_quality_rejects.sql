{#- Every raw row that is not used, with why (rules section 10), plus file lines that could
    not be read at all (reason_code unreadable_line) and rejected upload rows (source_table
    'churn_upload'). record_id is the row's own id where it has one. -#}
with

organizations as (

    select
        'organizations' as source_table,
        organization_id as record_id,
        organization_id,
        reject_reason_code,
        reject_reason,
        raw_record
    from {{ ref('int_organizations_validated') }}
    where reject_reason_code is not null

),

customers as (

    select
        'customers' as source_table,
        customer_id as record_id,
        organization_id,
        reject_reason_code,
        reject_reason,
        raw_record
    from {{ ref('int_customers_validated') }}
    where reject_reason_code is not null

),

transactions as (

    select
        'transactions' as source_table,
        transaction_id as record_id,
        organization_id,
        reject_reason_code,
        reject_reason,
        raw_record
    from {{ ref('int_transactions_validated') }}
    where reject_reason_code is not null

),

churn_predictions as (

    select
        'churn_predictions' as source_table,
        customer_id as record_id,
        organization_id,
        reject_reason_code,
        reject_reason,
        raw_record
    from {{ ref('int_churn_predictions_validated') }}
    where reject_reason_code is not null

),

{%- if var('rfm_source') == 'provided' %}

customer_features as (

    select
        'customer_features' as source_table,
        customer_id as record_id,
        organization_id,
        reject_reason_code,
        reject_reason,
        raw_record
    from {{ ref('int_provided_features_validated') }}
    where reject_reason_code is not null

),

{%- endif %}

unreadable_lines as (

    select
        source_table,
        cast(null as {{ dbt.type_string() }}) as record_id,
        cast(null as {{ dbt.type_string() }}) as organization_id,
        'unreadable_line' as reject_reason_code,
        {{ unreadable_line_message('line', 'file', 'error_message') }} as reject_reason,
        {{ json_object_text([('file', 'file'), ('line', 'line'), ('csv_line', 'csv_line')]) }} as raw_record
    from {{ ref('stg_raw__load_errors') }}
    where source_table != 'churn_upload'  -- the upload's, with its other rejects below

),

churn_upload as (

    select
        'churn_upload' as source_table,
        customer_ref as record_id,
        organization_id,
        reject_reason_code,
        reject_reason,
        raw_record
    from {{ ref('int_churn_upload_validated') }}
    where reject_reason_code is not null

),

unioned as (

    select * from organizations
    union all
    select * from customers
    union all
    select * from transactions
    union all
    select * from churn_predictions
    {%- if var('rfm_source') == 'provided' %}
    union all
    select * from customer_features
    {%- endif %}
    union all
    select * from unreadable_lines
    union all
    select * from churn_upload

)

select
    source_table,
    record_id,
    organization_id,
    reject_reason_code as reason_code,
    reject_reason as reason,
    raw_record

from unioned
