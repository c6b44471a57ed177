{#- One row per raw customer row, with the first failing check; valid rows have a NULL
    reject_reason_code. Duplicates reject every copy: we cannot know which one is right. -#}
with

customers as (

    select * from {{ ref('stg_raw__customers') }}

),

organizations as (

    select * from {{ ref('int_organizations_validated') }}

),

organization_status as (

    select
        organization_id,
        max(case when reject_reason_code is null then org_type end) as org_type,
        max(reject_reason_code) as org_reject_reason_code

    from organizations
    where organization_id is not null
    group by organization_id

),

counted as (

    select
        customers.*,
        organization_status.organization_id is not null as is_organization_known,
        organization_status.org_type,
        organization_status.org_reject_reason_code,
        count(*) over (partition by customers.customer_id) as id_copies,
        count(*) over (partition by customers.organization_id, customers.external_id) as external_id_copies

    from customers
    left join organization_status
        on customers.organization_id = organization_status.organization_id

),

checked as (

    select
        customer_id,
        organization_id,
        org_type,
        external_id,
        signup_date,
        plan_allowance_mb,
        org_reject_reason_code,
        id_copies,
        external_id_copies,
        _raw_row_number,
        raw_record,
        case
            when customer_id is null then 'missing_customer_id'
            when organization_id is null then 'missing_organization_id'
            when not is_organization_known then 'unknown_organization'
            when org_type is null then 'rejected_organization'
            when id_copies > 1 then 'duplicate_customer_id'
            when external_id is not null and external_id_copies > 1 then 'duplicate_external_id'
        end as reject_reason_code

    from counted

)

select
    customer_id,
    organization_id,
    org_type,
    external_id,
    signup_date,
    plan_allowance_mb,
    _raw_row_number,
    reject_reason_code,
    case reject_reason_code
        when 'missing_customer_id'
            then 'customer_id is missing or blank: give the customer its UUID'
        when 'missing_organization_id'
            then 'organization_id is missing for customer ' || customer_id
                || ': set the organisation the customer belongs to'
        when 'unknown_organization'
            then 'organization_id ' || organization_id || ' of customer ' || customer_id
                || ' is not in organizations: load the organisation first'
        when 'rejected_organization'
            then 'organisation ' || organization_id || ' of customer ' || customer_id
                || ' was rejected (' || org_reject_reason_code || '): fix the organisation row'
        when 'duplicate_customer_id'
            then 'customer_id ' || customer_id || ' appears ' || cast(id_copies as {{ dbt.type_string() }})
                || ' times; every copy is rejected: keep one row per customer'
        when 'duplicate_external_id'
            then 'external_id ' || external_id || ' is used by '
                || cast(external_id_copies as {{ dbt.type_string() }}) || ' customers of organisation '
                || organization_id || '; every copy is rejected: external ids must be unique within an organisation'
    end as reject_reason,
    case when reject_reason_code is not null then raw_record end as raw_record

from checked
