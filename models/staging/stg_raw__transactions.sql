with

source as (

    select * from {{ source('raw', 'transactions') }}

),

normalised as (

    select
        {{ clean_id('transaction_id') }} as transaction_id,
        {{ clean_id('customer_id') }} as customer_id,
        {{ safe_cast('occurred_at', 'timestamp') }} as occurred_at,
        {{ clean_id('occurred_at') }} as occurred_at_given,
        {{ clean_code('transaction_type') }} as transaction_type,
        {{ safe_cast('amount', 'double') }} as amount,
        {{ safe_cast('quantity', 'double') }} as quantity,
        {{ clean_code('category') }} as category,
        {{ safe_cast('discount_amount', 'double') }} as discount_amount,
        _raw_row_number,
        {{ raw_record_json('transactions') }} as raw_record

    from source

)

select * from normalised
