{#- One row per uploaded churn row (rules section 5). Each row is checked on its own, then a
    customer whose passing rows carry different scores has all of them rejected; rows with
    numerically equal scores (0.5 and 0.50) count once and are not errors. -#}
with

upload as (

    select * from {{ ref('stg_seeds__churn_upload') }}

),

valid_customers as (

    select customer_id, organization_id, external_id
    from {{ valid_rows('int_customers_validated') }}

),

matched as (

    select
        upload.*,
        coalesce(by_external_id.customer_id, by_customer_id.customer_id) as customer_id

    from upload
    left join valid_customers as by_external_id
        on upload.organization_id = by_external_id.organization_id
        and upload.customer_key = by_external_id.external_id
    left join valid_customers as by_customer_id
        on upload.organization_id = by_customer_id.organization_id
        and upload.customer_key = by_customer_id.customer_id

),

row_checked as (

    select
        *,
        {{ reject_reason_columns([
            ('customer_not_found', 'customer_id is null',
                "'Customer ' || coalesce(customer_ref, '') || ' not found in organization'"),
            ('missing_churn_score', 'churn_score_text is null',
                "'Churn score is missing for customer ' || customer_ref"),
            ('invalid_churn_score', 'churn_score is null',
                "'Churn score ''' || churn_score_text || ''' for customer ' || customer_ref || ' is not a number'"),
            ('churn_score_out_of_range', 'churn_score < 0 or churn_score > 1',
                "'Churn score ' || churn_score_text || ' for customer ' || customer_ref || ' is outside [0, 1]'"),
        ]) }}

    from matched

),

customer_scores as (

    select
        customer_id,
        min(churn_score) as min_churn_score,
        max(churn_score) as max_churn_score

    from row_checked
    where reject_reason_code is null
    group by customer_id

)

select
    row_checked.organization_id,
    row_checked.customer_ref,
    row_checked.customer_id,
    row_checked.churn_score,
    row_checked.raw_record,
    case
        when row_checked.reject_reason_code is null
            and customer_scores.min_churn_score < customer_scores.max_churn_score
            then 'conflicting_churn_scores'
        else row_checked.reject_reason_code
    end as reject_reason_code,
    case
        when row_checked.reject_reason_code is null
            and customer_scores.min_churn_score < customer_scores.max_churn_score
            then 'Customer ' || row_checked.customer_ref || ' has conflicting churn scores ('
                || {{ double_text('customer_scores.min_churn_score') }} || ' to '
                || {{ double_text('customer_scores.max_churn_score') }}
                || '); all its rows are ignored: upload one score per customer'
        else row_checked.reject_reason
    end as reject_reason

from row_checked
left join customer_scores
    on row_checked.customer_id = customer_scores.customer_id
