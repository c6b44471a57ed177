-- The team's accounts table has its own column names; the package reads organization_id,
-- name and org_type, so this view maps them (var raw_organizations_identifier points at it).
select
    account_id as organization_id,
    account_name as name,
    industry as org_type
from {{ ref('accounts') }}
