{#- One row per rejected upload row (rules section 5); exact duplicates are not errors. -#}
with

upload as (

    select * from {{ ref('int_churn_upload_validated') }}

)

select
    organization_id,
    customer_ref,
    reject_reason_code as error_code,
    reject_reason as message

from upload
where reject_reason_code is not null
