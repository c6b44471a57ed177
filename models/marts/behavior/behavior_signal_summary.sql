{#- One row per valid organisation x every risk signal of its industry (zero rows included):
    affected customers, their share of the analyzed customers, urgency, and the priority rank
    (affected customers desc, then signal name; NULL when none is affected). -#}
with

organizations as (

    select organization_id, org_type
    from {{ valid_rows('int_organizations_validated') }}

),

catalog as (

    select org_type, risk_signal, recommendation from {{ ref('risk_signal_catalog') }}

),

analyzed as (

    select organization_id, count(*) as analyzed_customers
    from {{ ref('behavior_analysis') }}
    group by organization_id

),

affected as (

    select organization_id, risk_signal, count(*) as affected_customers
    from {{ ref('behavior_risk_signals') }}
    group by organization_id, risk_signal

),

counted as (

    select
        organizations.organization_id,
        organizations.org_type,
        catalog.risk_signal,
        coalesce(affected.affected_customers, 0) as affected_customers,
        case
            when coalesce(analyzed.analyzed_customers, 0) = 0 then 0.0
            else {{ round_to('100.0 * coalesce(affected.affected_customers, 0) / analyzed.analyzed_customers', 2) }}
        end as percentage,
        catalog.recommendation

    from organizations
    inner join catalog
        on organizations.org_type = catalog.org_type
    left join analyzed
        on organizations.organization_id = analyzed.organization_id
    left join affected
        on organizations.organization_id = affected.organization_id
        and catalog.risk_signal = affected.risk_signal

)

select
    organization_id,
    org_type,
    risk_signal,
    affected_customers,
    percentage,
    {{ signal_urgency('percentage') }} as urgency,
    case
        when affected_customers > 0
            then row_number() over (
                    partition by organization_id, affected_customers > 0
                    order by affected_customers desc, risk_signal asc
                )
    end as priority_rank,
    recommendation

from counted
