{#- Per organisation: analysed + errors = valid customers, behavior_analysis holds exactly the
    customers with a valid event before as_of_date, and behavior_signal_summary has every
    signal of the organisation's industry. -#}
with

customers as (
    select organization_id, count(*) as valid_customers
    from {{ ref('int_customers_validated') }}
    where reject_reason_code is null
    group by organization_id
),

with_events as (
    select profiled.organization_id, count(*) as customers_with_events
    from {{ ref('int_customers_behavior_profiled') }} as profiled
    group by profiled.organization_id
),

analysed as (
    select organization_id, count(*) as analysed_customers
    from {{ ref('behavior_analysis') }}
    group by organization_id
),

summary_signals as (
    select organization_id, org_type, count(*) as signals
    from {{ ref('behavior_signal_summary') }}
    group by organization_id, org_type
),

catalog as (
    select org_type, count(*) as signals
    from {{ ref('risk_signal_catalog') }}
    group by org_type
)

select run.organization_id, 'analysed + errors != customers, or analysed != customers with events' as problem
from {{ ref('behavior_run_summary') }} as run
left join customers on run.organization_id = customers.organization_id
left join with_events on run.organization_id = with_events.organization_id
left join analysed on run.organization_id = analysed.organization_id
where run.analyzed + run.error_count != coalesce(customers.valid_customers, 0)
    or run.analyzed != coalesce(analysed.analysed_customers, 0)
    or coalesce(analysed.analysed_customers, 0) != coalesce(with_events.customers_with_events, 0)

union all

select organizations.organization_id, 'signal summary misses signals of its industry' as problem
from {{ ref('int_organizations_validated') }} as organizations
left join summary_signals on organizations.organization_id = summary_signals.organization_id
left join catalog on organizations.org_type = catalog.org_type
where organizations.reject_reason_code is null
    and coalesce(summary_signals.signals, 0) != coalesce(catalog.signals, 0)
