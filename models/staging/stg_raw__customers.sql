with

source as (

    {{ raw_table_select('customers') }}

),

normalized as (

    select
        {{ clean_id('customer_id') }} as customer_id,
        {{ clean_id('organization_id') }} as organization_id,
        {{ clean_id('external_id') }} as external_id,
        {{ safe_date('signup_date') }} as signup_date,
        {{ safe_double('plan_allowance_mb') }} as plan_allowance_mb,
        {{ raw_row_number('customers') }} as _raw_row_number,
        {{ raw_record_json('customers') }} as raw_record

    from source

)

select * from normalized
