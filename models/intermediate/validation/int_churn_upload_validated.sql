{#- One row per uploaded churn row (rules section 5), a line of the file that could not be
    read included (rejected as unreadable_line). Each row is checked on its own, then a
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
        case
            when unreadable_message is not null then 'unreadable_line'
            when customer_id is null then 'customer_not_found'
            when churn_score_text is null then 'missing_churn_score'
            when churn_score is null then 'invalid_churn_score'
            when churn_score < 0 or churn_score > 1 then 'churn_score_out_of_range'
        end as row_reject_reason_code

    from matched

),

customer_scores as (

    select
        customer_id,
        min(churn_score) as min_churn_score,
        max(churn_score) as max_churn_score

    from row_checked
    where row_reject_reason_code is null
    group by customer_id

),

checked as (

    select
        row_checked.*,
        customer_scores.min_churn_score,
        customer_scores.max_churn_score,
        case
            when row_checked.row_reject_reason_code is null
                and customer_scores.min_churn_score < customer_scores.max_churn_score
                then 'conflicting_churn_scores'
            else row_checked.row_reject_reason_code
        end as reject_reason_code

    from row_checked
    left join customer_scores
        on row_checked.customer_id = customer_scores.customer_id

)

select
    organization_id,
    customer_ref,
    customer_id,
    churn_score,
    raw_record,
    reject_reason_code,
    case reject_reason_code
        when 'unreadable_line' then unreadable_message
        when 'customer_not_found'
            then 'Customer ' || coalesce(customer_ref, '') || ' not found in organization'
        when 'missing_churn_score'
            then 'Churn score is missing for customer ' || customer_ref
        when 'invalid_churn_score'
            then 'Churn score ''' || churn_score_text || ''' for customer ' || customer_ref || ' is not a number'
        when 'churn_score_out_of_range'
            then 'Churn score ' || churn_score_text || ' for customer ' || customer_ref || ' is outside [0, 1]'
        when 'conflicting_churn_scores'
            then 'Customer ' || customer_ref || ' has conflicting churn scores ('
                || {{ double_text('min_churn_score') }} || ' to '
                || {{ double_text('max_churn_score') }}
                || '); all its rows are ignored: upload one score per customer'
    end as reject_reason

from checked
