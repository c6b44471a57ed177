with

source as (

    {{ raw_table_select('churn_predictions') }}

),

normalized as (

    select
        {{ clean_id('customer_id') }} as customer_id,
        {{ safe_double('churn_probability') }} as churn_probability,
        {{ clean_id('churn_probability') }} as churn_probability_given,
        {{ safe_timestamp_utc('predicted_at', raw_column_type('churn_predictions', 'predicted_at')) }} as predicted_at,
        {{ clean_id('predicted_at') }} as predicted_at_given,
        {{ raw_row_number('churn_predictions') }} as _raw_row_number,
        {{ raw_record_json('churn_predictions') }} as raw_record

    from source

)

select * from normalized
