{#- One row per raw transaction row, checked in the order of rules section 10; valid rows have
    a NULL reject_reason_code; copies are told apart by _raw_row_number. Among rows that pass, a transaction_id repeated within an
    organisation keeps its first copy by occurred_at (then by raw order) and rejects the later
    ones; the same id in two organisations is two events (tenants never affect each other). -#}
with

transactions as (

    select * from {{ ref('stg_raw__transactions') }}

),

{{ transactions_joined_to_customers('transactions') }},

checked as (

    select
        *,
        {{ reject_reason_columns(transaction_checks()) }}

    from joined

),

later_copies as (

    select organization_id, transaction_id, _raw_row_number
    from {{ ref('int_transactions_later_copies') }}

),

deduplicated as (

    select
        checked.*,
        later_copies.transaction_id is not null as is_later_copy

    from checked
    left join later_copies
        on checked.organization_id = later_copies.organization_id
        and checked.transaction_id = later_copies.transaction_id
        and checked._raw_row_number = later_copies._raw_row_number

)

select
    transaction_id,
    customer_id,
    organization_id,
    org_type,
    occurred_at,
    transaction_type,
    amount,
    quantity,
    category,
    discount_amount,
    {{ is_value_event('org_type', 'transaction_type') }} as is_value_event,
    _raw_row_number,
    case
        when is_later_copy then 'duplicate_transaction_id'
        else reject_reason_code
    end as reject_reason_code,
    case
        when is_later_copy
            then 'transaction_id ' || transaction_id || ' was already used by an earlier event; this later copy is ignored: give every event its own id'
        else reject_reason
    end as reject_reason,
    case
        when reject_reason_code is not null or is_later_copy then {{ raw_record_json('transactions', 'raw_', ref('stg_raw__transactions')) }}
    end as raw_record

from deduplicated
