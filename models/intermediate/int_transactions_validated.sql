{#- One row per raw transaction row, checked in the order of spec section 10; valid rows have
    a NULL reject_reason_code. Among rows that pass, a transaction_id repeated within an
    organisation keeps its first copy by occurred_at (then by raw order) and rejects the later
    ones; the same id in two organisations is two events (tenants never affect each other). -#}
with

transactions as (

    select * from {{ ref('stg_raw__transactions') }}

),

valid_customers as (

    select customer_id, organization_id, org_type
    from {{ ref('int_customers_validated') }}
    where reject_reason_code is null

),

joined as (

    select
        transactions.*,
        valid_customers.organization_id,
        valid_customers.org_type,
        valid_customers.customer_id is not null as is_customer_valid

    from transactions
    left join valid_customers
        on transactions.customer_id = valid_customers.customer_id

),

checked as (

    select
        *,
        {{ reject_reason_columns([
            ('missing_transaction_id', 'transaction_id is null',
                "'transaction_id is missing or blank: every event needs a unique id'"),
            ('missing_customer_id', 'customer_id is null',
                "'customer_id is missing for transaction ' || transaction_id || ': set the customer the event belongs to'"),
            ('unknown_customer', 'not is_customer_valid',
                "'customer_id ' || customer_id || ' of transaction ' || transaction_id || ' is not a valid customer (missing from customers, or rejected there): load or fix the customer first'"),
            ('missing_occurred_at', 'occurred_at is null and occurred_at_given is null',
                "'occurred_at is missing for transaction ' || transaction_id || ': every event needs a timestamp'"),
            ('invalid_occurred_at', 'occurred_at is null',
                "'occurred_at ' || occurred_at_given || ' of transaction ' || transaction_id || ' is not a timestamp: use YYYY-MM-DD HH:MM:SS'"),
            ('future_occurred_at', 'occurred_at > ' ~ add_days(run_started_at_literal(), var('future_tolerance_days')),
                "'occurred_at ' || cast(occurred_at as " ~ dbt.type_string() ~ ") || ' of transaction ' || transaction_id || ' is more than " ~ var('future_tolerance_days') ~ " day(s) after the build started: check the clock or time zone of the source'"),
            ('unknown_transaction_type', 'not (' ~ is_known_transaction_type('org_type', 'transaction_type') ~ ')',
                "'transaction_type ''' || coalesce(transaction_type, '') || ''' of transaction ' || transaction_id || ' is not a " ~ "' || org_type || '" ~ " event type: map it to one of the industry''s types'"),
            ('negative_amount', 'amount < 0',
                "'amount ' || cast(amount as " ~ dbt.type_string() ~ ") || ' of transaction ' || transaction_id || ' is negative: refunds are return events with a positive amount'"),
            ('negative_quantity', 'quantity < 0',
                "'quantity ' || cast(quantity as " ~ dbt.type_string() ~ ") || ' of transaction ' || transaction_id || ' is negative: quantities are counts, minutes, MB or days late'"),
        ]) }}

    from joined

),

deduplicated as (

    select
        *,
        case
            when reject_reason_code is null
                then row_number() over (
                    partition by organization_id, transaction_id, reject_reason_code is null
                    order by occurred_at, _raw_row_number
                )
        end as copy_number

    from checked

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
        when copy_number > 1 then 'duplicate_transaction_id'
        else reject_reason_code
    end as reject_reason_code,
    case
        when copy_number > 1
            then 'transaction_id ' || transaction_id || ' was already used by an earlier event; this later copy is ignored: give every event its own id'
        else reject_reason
    end as reject_reason,
    case when reject_reason_code is not null or copy_number > 1 then raw_record end as raw_record

from deduplicated
