{#- The checks of a raw transaction row, in the order of rules section 10: the first failing
    one names the row's reject_reason_code (NULL: the row passes). One place for
    int_transactions_validated and int_transactions_later_copies, which must agree on what
    "passed" means. Columns used: transaction_id, customer_id, is_customer_valid,
    occurred_at, raw_occurred_at, org_type, transaction_type, amount, quantity,
    discount_amount and their raw_ columns. A number that is present but not a finite number
    is its own rejection, never read as missing. -#}
{% macro transaction_reject_reason_code() -%}
    case
        when transaction_id is null then 'missing_transaction_id'
        when customer_id is null then 'missing_customer_id'
        when not is_customer_valid then 'unknown_customer'
        when occurred_at is null and {{ clean_id('raw_occurred_at') }} is null then 'missing_occurred_at'
        when occurred_at is null then 'invalid_occurred_at'
        when occurred_at > {{ add_days(run_started_at_literal(), var('future_tolerance_days')) }}
            then 'future_occurred_at'
        when not ({{ is_known_transaction_type('org_type', 'transaction_type') }}) then 'unknown_transaction_type'
        when amount is null and {{ clean_id('raw_amount') }} is not null then 'invalid_amount'
        when quantity is null and {{ clean_id('raw_quantity') }} is not null then 'invalid_quantity'
        when discount_amount is null and {{ clean_id('raw_discount_amount') }} is not null
            then 'invalid_discount_amount'
        when amount < 0 then 'negative_amount'
        when quantity < 0 then 'negative_quantity'
    end
{%- endmacro %}

{#- The sentence a person can act on for a transaction's reject reason `code` (a column or
    expression holding one of the codes above, or duplicate_transaction_id); NULL for NULL. -#}
{% macro transaction_reject_reason(code) -%}
    case {{ code }}
        when 'missing_transaction_id'
            then 'transaction_id is missing or blank: every event needs a unique id'
        when 'missing_customer_id'
            then 'customer_id is missing for transaction ' || transaction_id
                || ': set the customer the event belongs to'
        when 'unknown_customer'
            then 'customer_id ' || customer_id || ' of transaction ' || transaction_id
                || ' is not a valid customer (missing from customers, or rejected there): load or fix the customer first'
        when 'missing_occurred_at'
            then 'occurred_at is missing for transaction ' || transaction_id || ': every event needs a timestamp'
        when 'invalid_occurred_at'
            then 'occurred_at ' || {{ clean_id('raw_occurred_at') }} || ' of transaction ' || transaction_id
                || ' is not a timestamp: use YYYY-MM-DD HH:MM:SS'
        when 'future_occurred_at'
            then 'occurred_at ' || cast(occurred_at as {{ dbt.type_string() }}) || ' of transaction ' || transaction_id
                || ' is more than {{ var("future_tolerance_days") }} day(s) after the build started:'
                || ' check the clock or time zone of the source'
        when 'unknown_transaction_type'
            then 'transaction_type ''' || coalesce(transaction_type, '') || ''' of transaction ' || transaction_id
                || ' is not a ' || org_type || ' event type: map it to one of the industry''s types'
        when 'invalid_amount'
            then 'amount ''' || {{ clean_id('raw_amount') }} || ''' of transaction ' || transaction_id
                || ' is not a finite number: write digits with a dot for decimals and no currency'
                || ' or thousands separator (e.g. 1234.50)'
        when 'invalid_quantity'
            then 'quantity ''' || {{ clean_id('raw_quantity') }} || ''' of transaction ' || transaction_id
                || ' is not a finite number: write digits with a dot for decimals (e.g. 3 or 2.5)'
        when 'invalid_discount_amount'
            then 'discount_amount ''' || {{ clean_id('raw_discount_amount') }} || ''' of transaction ' || transaction_id
                || ' is not a finite number: write digits with a dot for decimals and no currency'
                || ' or thousands separator (e.g. 5.00)'
        when 'negative_amount'
            then 'amount ' || {{ double_text('amount') }} || ' of transaction ' || transaction_id
                || ' is negative: refunds are return events with a positive amount'
        when 'negative_quantity'
            then 'quantity ' || {{ double_text('quantity') }} || ' of transaction ' || transaction_id
                || ' is negative: quantities are counts, minutes, MB or days late'
        when 'duplicate_transaction_id'
            then 'transaction_id ' || transaction_id
                || ' was already used by an earlier event; this later copy is ignored: give every event its own id'
    end
{%- endmacro %}

{#- The CTEs `valid_customers` and `joined`: the events of CTE `transactions_cte` with their
    customer's organisation and industry and `is_customer_valid`, which transaction_reject_reason_code()
    read. One place for both models that check transactions. -#}
{% macro transactions_joined_to_customers(transactions_cte) -%}
valid_customers as (

    select customer_id, organization_id, org_type
    from {{ valid_rows('int_customers_validated') }}

),

joined as (

    select
        {{ transactions_cte }}.*,
        valid_customers.organization_id,
        valid_customers.org_type,
        valid_customers.customer_id is not null as is_customer_valid

    from {{ transactions_cte }}
    left join valid_customers
        on {{ transactions_cte }}.customer_id = valid_customers.customer_id

)
{%- endmacro %}
