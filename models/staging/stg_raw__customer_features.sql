with

source as (

    select * from {{ source('raw', 'customer_features') }}

),

normalised as (

    select
        {{ clean_id('customer_id') }} as customer_id,
        {{ safe_cast('recency_days', 'double') }} as recency_days,
        {{ safe_cast('frequency', 'double') }} as frequency,
        {{ safe_cast('monetary', 'double') }} as monetary,
        {{ safe_cast('engagement', 'double') }} as engagement,
        {{ safe_cast('recency_score', 'double') }} as recency_score,
        {{ safe_cast('frequency_score', 'double') }} as frequency_score,
        {{ safe_cast('monetary_score', 'double') }} as monetary_score,
        {{ safe_cast('engagement_score', 'double') }} as engagement_score,
        {{ safe_cast('calculated_at', 'timestamp') }} as calculated_at,
        _raw_row_number,
        {{ raw_record_json('customer_features') }} as raw_record

    from source

)

select * from normalised
