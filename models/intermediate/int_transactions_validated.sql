{#- One row per raw transaction row, checked in the order of spec section 10; valid rows have
    a NULL reject_reason_code; copies are told apart by _raw_row_number. Among rows that pass, a transaction_id repeated within an
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
            ('missing_occurred_at', 'occurred_at is null and ' ~ clean_id('raw_occurred_at') ~ ' is null',
                "'occurred_at is missing for transaction ' || transaction_id || ': every event needs a timestamp'"),
            ('invalid_occurred_at', 'occurred_at is null',
                "'occurred_at ' || " ~ clean_id('raw_occurred_at') ~ " || ' of transaction ' || transaction_id || ' is not a timestamp: use YYYY-MM-DD HH:MM:SS'"),
            ('future_occurred_at', 'occurred_at > ' ~ add_days(run_started_at_literal(), var('future_tolerance_days')),
                "'occurred_at ' || cast(occurred_at as " ~ dbt.type_string() ~ ") || ' of transaction ' || transaction_id || ' is more than " ~ var('future_tolerance_days') ~ " day(s) after the build started: check the clock or time zone of the source'"),
            ('unknown_transaction_type', 'not (' ~ is_known_transaction_type('org_type', 'transaction_type') ~ ')',
                "'transaction_type ''' || coalesce(transaction_type, '') || ''' of transaction ' || transaction_id || ' is not a ' || org_type || ' event type: map it to one of the industry''s types'"),
            ('negative_amount', 'amount < 0',
                "'amount ' || cast(amount as " ~ dbt.type_string() ~ ") || ' of transaction ' || transaction_id || ' is negative: refunds are return events with a positive amount'"),
            ('negative_quantity', 'quantity < 0',
                "'quantity ' || cast(quantity as " ~ dbt.type_string() ~ ") || ' of transaction ' || transaction_id || ' is negative: quantities are counts, minutes, MB or days late'"),
        ]) }}

    from joined

),

{#- Duplicate ids are rare: find them with a grouping and rank only their copies (a window
    over every event would sort the whole table). -#}
duplicated_ids as (

    select organization_id, transaction_id
    from checked
    where reject_reason_code is null
    group by organization_id, transaction_id
    having count(*) > 1

),

later_copies as (

    select organization_id, transaction_id, _raw_row_number
    from (
        select
            checked.organization_id,
            checked.transaction_id,
            checked._raw_row_number,
            row_number() over (
                partition by checked.organization_id, checked.transaction_id
                order by checked.occurred_at, checked._raw_row_number
            ) as copy_number
        from checked
        inner join duplicated_ids
            on checked.organization_id = duplicated_ids.organization_id
            and checked.transaction_id = duplicated_ids.transaction_id
        where checked.reject_reason_code is null
    ) as ranked
    where copy_number > 1

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
        when reject_reason_code is not null or is_later_copy then {{ raw_record_json('transactions', 'raw_') }}
    end as raw_record

from deduplicated
