with

source as (

    {{ raw_table_select('customer_features') }}

),

normalized as (

    select
        {{ clean_id('customer_id') }} as customer_id,
        {{ safe_double('recency_days') }} as recency_days,
        {{ safe_double('frequency') }} as frequency,
        {{ safe_double('monetary') }} as monetary,
        {{ safe_double('engagement') }} as engagement,
        {{ safe_double('recency_score') }} as recency_score,
        {{ safe_double('frequency_score') }} as frequency_score,
        {{ safe_double('monetary_score') }} as monetary_score,
        {{ safe_double('engagement_score') }} as engagement_score,
        {{ safe_timestamp_utc(
            'calculated_at', raw_column_type('customer_features', 'calculated_at')
        ) }} as calculated_at,
        {{ raw_row_number('customer_features') }} as _raw_row_number,
        {{ raw_record_json('customer_features') }} as raw_record

    from source

)

select * from normalized
