{#- One row per later copy of a transaction_id repeated within an organisation among the rows
    that pass every other check (rules section 10): the first copy by occurred_at, then by raw
    order, is kept; these are the ones int_transactions_validated rejects. Repeated ids are
    rare, so candidates are found by grouping a 64-bit hash of the id (cheap even over a
    hundred million events) and only the candidates' rows are checked and ranked. The events
    are read twice, by name, rather than through a shared import CTE: a CTE read twice is
    materialised (every event held in memory), which costs more than the second scan. -#}
with

candidate_hashes as (

    select {{ hash64('transaction_id') }} as id_hash
    from {{ ref('stg_raw__transactions') }}
    where transaction_id is not null
    group by {{ hash64('transaction_id') }}
    having count(*) > 1

),

candidates as (

    select transactions.*
    from {{ ref('stg_raw__transactions') }} as transactions
    inner join candidate_hashes
        on {{ hash64('transactions.transaction_id') }} = candidate_hashes.id_hash

),

{{ transactions_joined_to_customers('candidates') }},

checked as (

    select
        organization_id,
        transaction_id,
        occurred_at,
        _raw_row_number,
        {{ transaction_reject_reason_code() }} as reject_reason_code

    from joined

),

ranked as (

    select
        organization_id,
        transaction_id,
        _raw_row_number,
        row_number() over (
            partition by organization_id, transaction_id
            order by occurred_at, _raw_row_number
        ) as copy_number

    from checked
    where reject_reason_code is null

)

select organization_id, transaction_id, _raw_row_number
from ranked
where copy_number > 1
