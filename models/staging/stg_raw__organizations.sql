with

source as (

    {{ raw_table_select('organizations') }}

),

normalized as (

    select
        {{ clean_id('organization_id') }} as organization_id,
        trim(cast(name as {{ dbt.type_string() }})) as organization_name,
        {{ clean_code('org_type') }} as org_type_given,
        coalesce({{ clean_code('org_type') }}, '{{ var("default_org_type") }}') as org_type,
        {{ raw_row_number('organizations') }} as _raw_row_number,
        {{ raw_record_json('organizations') }} as raw_record

    from source

)

select * from normalized
