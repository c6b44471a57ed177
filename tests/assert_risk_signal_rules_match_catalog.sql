{#- Every signal of the risk_signal_rules macro has a catalog row (description,
    recommendation) and every catalog row a rule: a typo on either side would make a signal
    silently never fire. -#}
with

rules as (
    {%- for org_type, signals in risk_signal_rules().items() %}
    {%- set outer_last = loop.last %}
    {%- for signal in signals %}
    select '{{ org_type }}' as org_type, '{{ signal }}' as risk_signal
    {{ 'union all' if not (outer_last and loop.last) }}
    {%- endfor %}
    {%- endfor %}
),

catalog as (
    select org_type, risk_signal from {{ ref('risk_signal_catalog') }}
)

select
    coalesce(rules.org_type, catalog.org_type) as org_type,
    coalesce(rules.risk_signal, catalog.risk_signal) as risk_signal,
    case when rules.risk_signal is null then 'in the catalog, no rule' else 'rule without catalog row' end as problem
from rules
full outer join catalog
    on rules.org_type = catalog.org_type
    and rules.risk_signal = catalog.risk_signal
where rules.risk_signal is null or catalog.risk_signal is null
