{#- One row per valid organisation: how its segmentation run went. success means every
    valid customer got a segment and every uploaded row was accepted. -#}
with

organizations as (

    select organization_id
    from {{ valid_rows('int_organizations_validated') }}

),

customers as (

    select organization_id, count(*) as total_customers
    from {{ valid_rows('int_customers_validated') }}
    group by organization_id

),

segmented as (

    select organization_id, count(*) as segmented
    from {{ ref('customer_segments') }}
    group by organization_id

),

upload as (

    select organization_id, count(*) as upload_rows
    from {{ ref('int_churn_upload_validated') }}
    group by organization_id

),

errors as (

    select
        organization_id,
        count(*) as error_count,
        {{ json_array_agg_text('message', 'message, customer_ref') }} as errors

    from {{ ref('segmentation_errors') }}
    group by organization_id

),

final as (

    select
        organizations.organization_id,
        coalesce(customers.total_customers, 0) as total_customers,
        coalesce(segmented.segmented, 0) as segmented,
        coalesce(upload.upload_rows, 0) as upload_rows,
        coalesce(errors.error_count, 0) as error_count,
        coalesce(errors.errors, '[]') as errors,
        coalesce(errors.error_count, 0) = 0
        and coalesce(segmented.segmented, 0) = coalesce(customers.total_customers, 0) as success

    from organizations
    left join customers on organizations.organization_id = customers.organization_id
    left join segmented on organizations.organization_id = segmented.organization_id
    left join upload on organizations.organization_id = upload.organization_id
    left join errors on organizations.organization_id = errors.organization_id

)

select * from final
