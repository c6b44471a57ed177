{#- Every catalog row (description, recommendation) has a rule in risk_signal_fires: a row
    the CASE does not know is NULL there, where a known signal is true or false whatever its
    metrics (here all NULL: the customers relation joined empty). A typo on either side would
    make a signal silently never fire; tests/python/test_layout.py checks the other way, every
    signal the CASE names is in the catalog. -#}
with

catalog as (
    select org_type, risk_signal from {{ ref('risk_signal_catalog') }}
),

no_metrics as (
    select * from {{ ref('int_customers_behavior_profiled') }}
    where 1 = 0
)

select
    catalog.org_type,
    catalog.risk_signal,
    'in the catalog, no rule' as problem
from catalog
left join no_metrics
    on true
where {{ risk_signal_fires('catalog.org_type', 'catalog.risk_signal') }} is null
