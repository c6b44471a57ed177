{#- One row per raw transaction row, checked in the order of rules section 10; valid rows have
    a NULL reject_reason_code; copies are told apart by _raw_row_number. Among rows that pass,
    a transaction_id repeated within an organisation keeps its first copy by occurred_at (then by raw order) and rejects the later
    ones; the same id in two organisations is two events (tenants never affect each other). -#}
with

transactions as (

    select * from {{ ref('stg_raw__transactions') }}

),

{{ transactions_joined_to_customers('transactions') }},

checked as (

    select
        *,
        {{ transaction_reject_reason_code() }} as check_code

    from joined

),

later_copies as (

    select organization_id, transaction_id, _raw_row_number
    from {{ ref('int_transactions_later_copies') }}

),

deduplicated as (

    select
        checked.*,
        case
            when later_copies.transaction_id is not null then 'duplicate_transaction_id'
            else checked.check_code
        end as reject_reason_code

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
    reject_reason_code,
    {{ transaction_reject_reason('reject_reason_code') }} as reject_reason,
    case
        when reject_reason_code is not null
            then {{ raw_record_json('transactions', 'raw_', ref('stg_raw__transactions')) }}
    end as raw_record

from deduplicated
