{#- Which risk signals fire together: per organisation and pair of signals, the customers who
    have both, and that as a share of the customers with the first signal (lift over the
    second signal's own prevalence shows pairs that go together more than by chance). -#}
with

signals as (

    select organization_id, customer_id, risk_signal
    from {{ ref('behavior_risk_signals') }}

),

prevalence as (

    select organization_id, risk_signal, affected_customers, percentage
    from {{ ref('behavior_signal_summary') }}

),

pairs as (

    select
        first_signal.organization_id,
        first_signal.risk_signal as signal,
        second_signal.risk_signal as with_signal,
        count(*) as customers_with_both

    from signals as first_signal
    inner join signals as second_signal
        on first_signal.customer_id = second_signal.customer_id
        and first_signal.risk_signal != second_signal.risk_signal
    group by first_signal.organization_id, first_signal.risk_signal, second_signal.risk_signal

)

select
    pairs.organization_id,
    pairs.signal,
    pairs.with_signal,
    pairs.customers_with_both,
    {{ round_to('100.0 * pairs.customers_with_both / signal_prevalence.affected_customers', 2) }} as pct_of_signal,
    with_prevalence.percentage as with_signal_overall_pct,
    {{ round_to(
        '(100.0 * pairs.customers_with_both / signal_prevalence.affected_customers)'
        ~ ' / nullif(with_prevalence.percentage, 0)', 2
    ) }} as lift

from pairs
inner join prevalence as signal_prevalence
    on pairs.organization_id = signal_prevalence.organization_id
    and pairs.signal = signal_prevalence.risk_signal
inner join prevalence as with_prevalence
    on pairs.organization_id = with_prevalence.organization_id
    and pairs.with_signal = with_prevalence.risk_signal
order by pairs.organization_id asc, pairs.customers_with_both desc, pairs.signal asc, pairs.with_signal asc
