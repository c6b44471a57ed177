{#- One row per raw organisation row, with the first failing check; valid rows have a NULL
    reject_reason_code. -#}
with

organizations as (

    select * from {{ ref('stg_raw__organizations') }}

),

counted as (

    select
        *,
        count(*) over (partition by organization_id) as id_copies

    from organizations

),

checked as (

    select
        organization_id,
        organization_name,
        org_type,
        org_type_given,
        id_copies,
        _raw_row_number,
        raw_record,
        case
            when organization_id is null then 'missing_organization_id'
            when org_type not in {{ known_org_types_sql() }} then 'unknown_org_type'
            when id_copies > 1 then 'duplicate_organization_id'
        end as reject_reason_code

    from counted

)

select
    organization_id,
    organization_name,
    org_type,
    _raw_row_number,
    reject_reason_code,
    case reject_reason_code
        when 'missing_organization_id'
            then 'organization_id is missing or blank: give the organisation its UUID'
        when 'unknown_org_type'
            then 'org_type ''' || org_type_given || ''' is not one of '
                || '{{ var("transaction_types").keys() | list | join(", ") }}'
                || ' (blank means {{ var("default_org_type") }})'
        when 'duplicate_organization_id'
            then 'organization_id ' || organization_id || ' appears ' || cast(id_copies as {{ dbt.type_string() }})
                || ' times; every copy is rejected: keep one row per organisation'
    end as reject_reason,
    case when reject_reason_code is not null then raw_record end as raw_record

from checked
