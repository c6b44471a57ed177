{#- One row per customer with at least one valid event before as_of_date: everything the
    project needs from the events, from one pass over them (conditional aggregation over the
    RFM lookback and the two behaviour windows; a second scan of a hundred million events
    costs about as much as the whole pass). Its jobs, each a block below and a group of
    columns in the YAML:

    1. RFM features over the lookback (rules section 4), read by int_computed_features_aggregated.
    2. Behaviour windows: activity, value and active days, last and previous window
       (rules section 7), read by behavior_analysis.
    3. Signal metrics per industry: the counts and sums the 18 risk signals test (rules
       section 7), read by risk_signal_fires and behavior_analysis.metadata. The event types
       they count are checked against var `transaction_types` (macro event_type).
    4. Category counts of both windows: distinct categories and the purchase category mix,
       from per-category counts (a small second aggregation instead of count(distinct)).
    5. Purchase history of the CLV models (rules section 9), from the value events summed per
       day (int_customer_value_days, read once for this and the acquisition cohorts), also cut
       at the backtest's calibration_date, read by int_customers_purchases_summarized.

    Windows (rules section 3), of var `window_days` days: last = [as_of - window, as_of),
    prev = [as_of - 2 x window, as_of - window), both windows = their union, lookback =
    [as_of - var `rfm_lookback_days`, as_of). Amounts are summed as decimals, so a change of
    exactly 20% is exactly 20% whatever the order rows are added in. Distinct active days are
    counted with count_distinct_days (a day bitmap on DuckDB). -#}
{#- The event types the metrics count, each checked against var transaction_types for its
    industry (support_contact: for every industry). -#}
{%- set event_types = {
    'login': event_type('banking', 'login'),
    'transaction': event_type('banking', 'transaction'),
    'feature_use': event_type('banking', 'feature_use'),
    'balance_check': event_type('banking', 'balance_check'),
    'support_contact': event_type(['banking', 'telecom', 'ecommerce'], 'support_contact'),
    'data_usage': event_type('telecom', 'data_usage'),
    'call': event_type('telecom', 'call'),
    'sms': event_type('telecom', 'sms'),
    'roaming': event_type('telecom', 'roaming'),
    'bill_payment': event_type('telecom', 'bill_payment'),
    'view': event_type('ecommerce', 'view'),
    'cart': event_type('ecommerce', 'cart'),
    'purchase': event_type('ecommerce', 'purchase'),
    'return': event_type('ecommerce', 'return'),
} %}
with

valid_events as (

    select
        customer_id,
        occurred_at,
        transaction_type,
        is_value_event,
        amount,
        quantity,
        category,
        discount_amount

    from {{ valid_rows('int_transactions_validated') }}

),

as_of as (

    select as_of_date, last_window_start, prev_window_start, lookback_start, calibration_date
    from {{ ref('int_as_of_date_resolved') }}

),

events as (

    select
        valid_events.*,
        as_of.as_of_date,
        cast(valid_events.occurred_at as date) as event_date,
        valid_events.occurred_at >= as_of.lookback_start as is_in_lookback,
        valid_events.occurred_at >= as_of.last_window_start as is_in_last,
        (
            valid_events.occurred_at >= as_of.prev_window_start
            and valid_events.occurred_at < as_of.last_window_start
        ) as is_in_prev,
        valid_events.occurred_at >= as_of.prev_window_start as is_in_both_windows

    from valid_events
    cross join as_of
    where valid_events.occurred_at < as_of.as_of_date

),


per_customer as (

    select
        customer_id,
        min(event_date) as first_event_date,

        -- 1. RFM features over the lookback
        max(case when is_in_lookback and is_value_event then event_date end) as last_value_event_date,
        count(case when is_in_lookback and is_value_event then 1 end) as frequency,
        cast(round(
            {{ sum_exact('case when is_in_lookback and is_value_event then coalesce(amount, 0) end') }}, 2
        ) as {{ type_double() }}) as monetary,
        {{ count_distinct_days(
            'case when is_in_lookback then event_date end', 'as_of_date', var('rfm_lookback_days')
        ) }} as engagement,

        -- 2. behaviour windows: activity, value, active days
        count(case when is_in_last then 1 end) as activity_last,
        count(case when is_in_prev then 1 end) as activity_prev,
        cast(coalesce(
            {{ sum_exact('case when is_in_last and is_value_event then coalesce(amount, 0) end') }}, 0
        ) as {{ type_double() }}) as value_last,
        cast(coalesce(
            {{ sum_exact('case when is_in_prev and is_value_event then coalesce(amount, 0) end') }}, 0
        ) as {{ type_double() }}) as value_prev,
        {{ count_distinct_days(
            'case when is_in_last then event_date end', 'as_of_date', var('window_days')
        ) }} as active_days_last,
        {{ count_distinct_days(
            'case when is_in_prev then event_date end', 'as_of_date', '2 * ' ~ var('window_days')
        ) }} as active_days_prev,

        -- 3. signal metrics: banking
        count(case when is_in_last and transaction_type = {{ event_types.login }} then 1 end) as logins_last,
        count(case when is_in_prev and transaction_type = {{ event_types.login }} then 1 end) as logins_prev,
        count(
            case when is_in_last and transaction_type = {{ event_types.transaction }} then 1 end
        ) as transactions_last,
        count(
            case when is_in_prev and transaction_type = {{ event_types.transaction }} then 1 end
        ) as transactions_prev,
        count(
            case when is_in_both_windows and transaction_type = {{ event_types.transaction }} then 1 end
        ) as transactions_both_windows,
        count(
            case when is_in_last and transaction_type = {{ event_types.balance_check }} then 1 end
        ) as balance_checks_last,

        -- 3. signal metrics: every industry
        count(case
            when is_in_last and transaction_type = {{ event_types.support_contact }}
                then 1
        end) as support_contacts_last,
        count(case
            when is_in_prev and transaction_type = {{ event_types.support_contact }}
                then 1
        end) as support_contacts_prev,

        -- 3. signal metrics: telecom
        cast(coalesce({{ sum_exact(
            "case when is_in_last and transaction_type = " ~ event_types.data_usage
            ~ " then coalesce(quantity, 0) end"
        ) }}, 0) as {{ type_double() }}) as data_mb_last,
        cast(coalesce({{ sum_exact(
            "case when is_in_prev and transaction_type = " ~ event_types.data_usage
            ~ " then coalesce(quantity, 0) end"
        ) }}, 0) as {{ type_double() }}) as data_mb_prev,
        count(case when is_in_last and transaction_type = {{ event_types.call }} then 1 end) as calls_last,
        count(case when is_in_prev and transaction_type = {{ event_types.call }} then 1 end) as calls_prev,
        count(case when is_in_last and transaction_type = {{ event_types.sms }} then 1 end) as sms_last,
        count(case when is_in_prev and transaction_type = {{ event_types.sms }} then 1 end) as sms_prev,
        count(case when is_in_last and transaction_type = {{ event_types.roaming }} then 1 end) as roaming_last,
        count(case
            when is_in_last and transaction_type = {{ event_types.support_contact }} and category = 'billing'
                then 1
        end) as billing_complaints_last,
        max(
            case when is_in_both_windows and transaction_type = {{ event_types.bill_payment }} then quantity end
        ) as max_days_late_both_windows,

        -- 3. signal metrics: ecommerce
        count(case when is_in_last and transaction_type = {{ event_types.view }} then 1 end) as views_last,
        count(case when is_in_last and transaction_type = {{ event_types.cart }} then 1 end) as carts_last,
        count(
            case when is_in_last and transaction_type = {{ event_types.purchase }} then 1 end
        ) as purchases_last,
        count(
            case when is_in_prev and transaction_type = {{ event_types.purchase }} then 1 end
        ) as purchases_prev,
        count(
            case when is_in_both_windows and transaction_type = {{ event_types.purchase }} then 1 end
        ) as purchases_both_windows,
        count(case
            when is_in_both_windows and transaction_type = {{ event_types.purchase }} and discount_amount > 0
                then 1
        end) as discounted_purchases_both_windows,
        count(
            case when is_in_both_windows and transaction_type = {{ event_types['return'] }} then 1 end
        ) as returns_both_windows,
        cast(coalesce({{ sum_exact(
            "case when is_in_last and transaction_type = " ~ event_types.purchase
            ~ " then coalesce(amount, 0) end"
        ) }}, 0) as {{ type_double() }}) as purchase_value_last,
        cast(coalesce({{ sum_exact(
            "case when is_in_prev and transaction_type = " ~ event_types.purchase
            ~ " then coalesce(amount, 0) end"
        ) }}, 0) as {{ type_double() }}) as purchase_value_prev

    from events
    group by customer_id

),

{#- 4. Category counts: distinct categories and the purchase category mix, from
    per-category counts of both windows: a small second aggregation instead of
    count(distinct category), which would cost more than everything else in this model
    together. -#}
window_categories as (

    select
        customer_id,
        transaction_type,
        category,
        count(case when is_in_last then 1 end) as events_last,
        count(case when is_in_prev then 1 end) as events_prev

    from events
    where is_in_both_windows
        and transaction_type in (
            {{ event_types.transaction }},
            {{ event_types.feature_use }},
            {{ event_types.purchase }}
        )
        and category is not null
    group by customer_id, transaction_type, category

),

purchase_category_totals as (

    select
        *,
        sum(events_last) over (partition by customer_id) as categorised_purchases_last,
        sum(events_prev) over (partition by customer_id) as categorised_purchases_prev

    from window_categories
    where transaction_type = {{ event_types.purchase }}

),

{#- category_shift compares the category shares of the two windows exactly, in integers:
    sum_k |n_last,k * N_prev - n_prev,k * N_last| against N_last * N_prev (rules section 7). -#}
category_mix as (

    select
        customer_id,
        max(categorised_purchases_last) as categorised_purchases_last,
        max(categorised_purchases_prev) as categorised_purchases_prev,
        sum(
            abs(events_last * categorised_purchases_prev - events_prev * categorised_purchases_last)
        ) as category_share_difference

    from purchase_category_totals
    group by customer_id

),

{#- 5. Purchase history: what the CLV models fit (rules section 9): value events summed per
    day first (int_customer_value_days, which the acquisition cohorts read too), over all
    history before as_of_date, and the same history cut at the backtest's calibration_date
    (as_of_date - churn_horizon_days), with the value days after it that the backtest checks
    the predictions against. Contractual value events (recurring bills) are
    summed apart: a customer with one is a contractual customer. -#}
purchase_days as (

    select
        value_days.*,
        as_of.calibration_date,
        min(value_days.event_date) over (partition by value_days.customer_id) as customer_first_purchase_date

    from {{ ref('int_customer_value_days') }} as value_days
    cross join as_of

),

purchase_history as (

    select
        customer_id,
        -- up to as_of_date
        count(*) as purchase_days,
        min(event_date) as first_purchase_date,
        max(event_date) as last_purchase_date,
        cast(
            sum(case when event_date > customer_first_purchase_date then day_total end) as {{ type_double() }}
        ) as repeat_purchase_total,
        min(case when is_contract_day then event_date end) as first_contract_date,
        max(case when is_contract_day then event_date end) as last_contract_date,
        cast(sum(contract_day_total) as {{ type_double() }}) as contract_amount_total,
        -- up to calibration_date, and from it to as_of_date
        count(case when event_date < calibration_date then 1 end) as calibration_purchase_days,
        max(case when event_date < calibration_date then event_date end) as calibration_last_purchase_date,
        cast(sum(
            case when event_date > customer_first_purchase_date and event_date < calibration_date then day_total end
        ) as {{ type_double() }}) as calibration_repeat_purchase_total,
        max(
            case when is_contract_day and event_date < calibration_date then event_date end
        ) as calibration_last_contract_date,
        cast(
            sum(case when event_date < calibration_date then contract_day_total end) as {{ type_double() }}
        ) as calibration_contract_amount_total,
        count(case when event_date >= calibration_date then 1 end) as holdout_purchase_days

    from purchase_days
    group by customer_id

),

distinct_categories as (

    select
        customer_id,
        count(
            case when transaction_type = {{ event_types.transaction }} then 1 end
        ) as transaction_categories_both_windows,
        count(
            case when transaction_type = {{ event_types.feature_use }} and events_last > 0 then 1 end
        ) as features_last,
        count(
            case when transaction_type = {{ event_types.feature_use }} and events_prev > 0 then 1 end
        ) as features_prev

    from window_categories
    where transaction_type in ({{ event_types.transaction }}, {{ event_types.feature_use }})
    group by customer_id

)

select
    per_customer.*,
    coalesce(distinct_categories.transaction_categories_both_windows, 0) as transaction_categories_both_windows,
    coalesce(distinct_categories.features_last, 0) as features_last,
    coalesce(distinct_categories.features_prev, 0) as features_prev,
    coalesce(category_mix.categorised_purchases_last, 0) as categorised_purchases_last,
    coalesce(category_mix.categorised_purchases_prev, 0) as categorised_purchases_prev,
    coalesce(category_mix.category_share_difference, 0) as category_share_difference,
    coalesce(purchase_history.purchase_days, 0) as purchase_days,
    purchase_history.first_purchase_date,
    purchase_history.last_purchase_date,
    purchase_history.repeat_purchase_total,
    purchase_history.first_contract_date,
    purchase_history.last_contract_date,
    purchase_history.contract_amount_total,
    coalesce(purchase_history.calibration_purchase_days, 0) as calibration_purchase_days,
    purchase_history.calibration_last_purchase_date,
    purchase_history.calibration_repeat_purchase_total,
    purchase_history.calibration_last_contract_date,
    purchase_history.calibration_contract_amount_total,
    coalesce(purchase_history.holdout_purchase_days, 0) as holdout_purchase_days

from per_customer
left join category_mix
    on per_customer.customer_id = category_mix.customer_id
left join distinct_categories
    on per_customer.customer_id = distinct_categories.customer_id
left join purchase_history
    on per_customer.customer_id = purchase_history.customer_id
