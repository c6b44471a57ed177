{#- One row per analysed customer x fired risk signal, with the signal's recommendation.
    Every signal of the customer's industry is evaluated in one pass (a join with the
    catalog), never a scan per signal. -#}
with

customers as (

    select * from {{ ref('int_customers_behavior_profiled') }}

),

catalog as (

    select org_type, risk_signal, recommendation from {{ ref('risk_signal_catalog') }}

)

select
    customers.organization_id,
    customers.customer_id,
    customers.org_type,
    catalog.risk_signal,
    catalog.recommendation

from customers
inner join catalog
    on customers.org_type = catalog.org_type
where {{ risk_signal_fires('customers.org_type', 'catalog.risk_signal') }}
