{#- One row per valid organisation: its name and industry, for readers of the marts (BI tools,
    the summary and the dashboard) that should not need the intermediate schema. -#}
select
    organization_id,
    organization_name,
    org_type

from {{ valid_rows('int_organizations_validated') }}
