with

source as (

    {{ raw_table_select('transactions') }}

),

normalized as (

    select
        {{ clean_id('transaction_id') }} as transaction_id,
        {{ clean_id('customer_id') }} as customer_id,
        {{ safe_timestamp_utc('occurred_at', raw_column_type('transactions', 'occurred_at')) }} as occurred_at,
        {{ clean_code('transaction_type') }} as transaction_type,
        {{ safe_double('amount') }} as amount,
        {{ safe_double('quantity') }} as quantity,
        {{ clean_code('category') }} as category,
        {{ safe_double('discount_amount') }} as discount_amount,
        {{ raw_row_number('transactions') }} as _raw_row_number,
        -- The raw values, untouched: the validation model turns them into raw_record only for
        -- rejected rows (building JSON for every event would cost more than the rest).
        -- noqa: disable=LT02
        {%- for name, type in raw_table_columns()['transactions'] %}
        {{ name }} as raw_{{ name }}{{ ',' if not loop.last }}
        {%- endfor %}

    from source

)

select * from normalized
