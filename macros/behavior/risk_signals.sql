{#- Whether the named risk signal fires for the row: the 18 signals of rules section 7, per
    industry, as one CASE over the columns of int_customers_behavior_profiled (the event
    pass's windows plus plan_allowance_mb). `org_type_column` and `signal_column` are SQL
    expressions. Thresholds are vars; ratios are written exactly as the rules write them, in
    double precision (a ratio with a zero denominator is NULL, never an error). A missing
    value never fires a signal (false), a signal of another industry neither; a signal name
    this CASE does not know is NULL, which test assert_risk_signal_rules_match_catalog looks
    for in the catalog. -#}
{% macro risk_signal_fires(org_type_column, signal_column) -%}
    {%- set dbl = type_double() -%}
    case
        -- banking
        when {{ org_type_column }} = 'banking' and {{ signal_column }} = 'login_frequency_decline' then coalesce(
            logins_prev >= {{ var('signal_login_decline_min_prev') }}
            and cast(logins_last as {{ dbl }}) <= {{ var('signal_login_decline_ratio') }} * cast(logins_prev as {{ dbl }}),
            false)
        when {{ org_type_column }} = 'banking' and {{ signal_column }} = 'transaction_volume_drop' then coalesce(
            transactions_prev >= {{ var('signal_transaction_drop_min_prev') }}
            and cast(transactions_last as {{ dbl }})
            <= {{ var('signal_transaction_drop_ratio') }} * cast(transactions_prev as {{ dbl }}),
            false)
        when {{ org_type_column }} = 'banking' and {{ signal_column }} = 'feature_abandonment' then coalesce(
            features_prev >= {{ var('signal_feature_abandonment_min_prev') }}
            and cast(features_last as {{ dbl }})
            <= {{ var('signal_feature_abandonment_ratio') }} * cast(features_prev as {{ dbl }}),
            false)
        when {{ org_type_column }} = 'banking' and {{ signal_column }} = 'balance_checking_without_action' then coalesce(
            balance_checks_last >= {{ var('signal_balance_checks_min_last') }}
            and cast(transactions_last as {{ dbl }})
            <= {{ var('signal_balance_checks_action_ratio') }} * cast(balance_checks_last as {{ dbl }}),
            false)
        when {{ org_type_column }} = 'banking' and {{ signal_column }} = 'single_product_usage' then coalesce(
            transactions_both_windows >= {{ var('signal_single_product_min_transactions') }}
            and transaction_categories_both_windows = 1,
            false)
        when {{ org_type_column }} = 'banking' and {{ signal_column }} = 'support_contact_spike' then coalesce(
            support_contacts_last >= {{ var('signal_support_spike_min_last') }}
            and cast(support_contacts_last as {{ dbl }})
            >= {{ var('signal_support_spike_ratio') }} * cast(support_contacts_prev as {{ dbl }}),
            false)
        -- telecom
        when {{ org_type_column }} = 'telecom' and {{ signal_column }} = 'data_usage_decline' then coalesce(
            data_mb_prev > 0
            and data_mb_last < {{ var('signal_data_decline_ratio') }} * data_mb_prev,
            false)
        when {{ org_type_column }} = 'telecom' and {{ signal_column }} = 'communication_pattern_change' then coalesce(
            calls_prev + sms_prev >= {{ var('signal_communication_min_prev') }}
            and (
                cast(calls_last + sms_last as {{ dbl }})
                <= {{ var('signal_communication_drop_ratio') }} * cast(calls_prev + sms_prev as {{ dbl }})
                or (
                    calls_last + sms_last >= {{ var('signal_communication_min_last') }}
                    and abs(
                        cast(calls_last as {{ dbl }}) / nullif(cast(calls_last + sms_last as {{ dbl }}), 0)
                        - cast(calls_prev as {{ dbl }}) / nullif(cast(calls_prev + sms_prev as {{ dbl }}), 0)
                    ) >= {{ var('signal_communication_share_shift') }}
                )
            ),
            false)
        when {{ org_type_column }} = 'telecom' and {{ signal_column }} = 'plan_underutilization' then coalesce(
            plan_allowance_mb > 0
            and cast(100 * data_mb_last as {{ dbl }}) / nullif(cast(plan_allowance_mb as {{ dbl }}), 0)
            < {{ var('signal_plan_underutilization_percent') }},
            false)
        when {{ org_type_column }} = 'telecom' and {{ signal_column }} = 'billing_complaints' then coalesce(
            billing_complaints_last >= {{ var('signal_billing_complaints_min_last') }},
            false)
        when {{ org_type_column }} = 'telecom' and {{ signal_column }} = 'frequent_roaming' then coalesce(
            roaming_last >= {{ var('signal_roaming_min_last') }},
            false)
        when {{ org_type_column }} = 'telecom' and {{ signal_column }} = 'payment_delays' then coalesce(
            max_days_late_both_windows >= {{ var('signal_payment_delay_days') }},
            false)
        -- ecommerce
        when {{ org_type_column }} = 'ecommerce' and {{ signal_column }} = 'high_cart_abandonment' then coalesce(
            carts_last >= {{ var('signal_cart_abandonment_min_carts') }}
            and 1 - cast(case when purchases_last < carts_last then purchases_last else carts_last end as {{ dbl }})
            / nullif(cast(carts_last as {{ dbl }}), 0) >= {{ var('signal_cart_abandonment_rate') }},
            false)
        when {{ org_type_column }} = 'ecommerce' and {{ signal_column }} = 'category_shift' then coalesce(
            purchases_prev >= {{ var('signal_category_shift_min_purchases') }}
            and purchases_last >= {{ var('signal_category_shift_min_purchases') }}
            and category_share_difference
            >= 2 * {{ var('signal_category_shift_distance') }} * categorised_purchases_last * categorised_purchases_prev,
            false)
        when {{ org_type_column }} = 'ecommerce' and {{ signal_column }} = 'discount_dependency' then coalesce(
            purchases_both_windows >= {{ var('signal_discount_dependency_min_purchases') }}
            and cast(discounted_purchases_both_windows as {{ dbl }}) / nullif(cast(purchases_both_windows as {{ dbl }}), 0)
            >= {{ var('signal_discount_dependency_share') }},
            false)
        when {{ org_type_column }} = 'ecommerce' and {{ signal_column }} = 'basket_size_decline' then coalesce(
            purchases_prev >= {{ var('signal_basket_decline_min_prev') }}
            and purchases_last >= {{ var('signal_basket_decline_min_last') }}
            and cast(purchase_value_last as {{ dbl }}) / nullif(cast(purchases_last as {{ dbl }}), 0)
            <= {{ var('signal_basket_decline_ratio') }}
            * (cast(purchase_value_prev as {{ dbl }}) / nullif(cast(purchases_prev as {{ dbl }}), 0)),
            false)
        when {{ org_type_column }} = 'ecommerce' and {{ signal_column }} = 'low_browse_to_buy' then coalesce(
            views_last >= {{ var('signal_browse_min_views') }}
            and cast(purchases_last as {{ dbl }}) / nullif(cast(views_last as {{ dbl }}), 0)
            < {{ var('signal_browse_to_buy_rate') }},
            false)
        when {{ org_type_column }} = 'ecommerce' and {{ signal_column }} = 'high_return_rate' then coalesce(
            purchases_both_windows >= {{ var('signal_return_rate_min_purchases') }}
            and cast(returns_both_windows as {{ dbl }}) / nullif(cast(purchases_both_windows as {{ dbl }}), 0)
            >= {{ var('signal_return_rate') }},
            false)
    end
{%- endmacro %}

{#- The industry metrics behind the signals, per industry: what behavior_analysis.metadata
    shows (as a JSON object) so a person can see why a signal fired. -#}
{% macro behavior_metadata_columns() -%}
    {{ return({
        'banking': ['logins_last', 'logins_prev', 'transactions_last', 'transactions_prev',
                    'features_last', 'features_prev', 'balance_checks_last', 'transactions_both_windows',
                    'transaction_categories_both_windows', 'support_contacts_last', 'support_contacts_prev'],
        'telecom': ['data_mb_last', 'data_mb_prev', 'plan_allowance_mb', 'calls_last', 'calls_prev',
                    'sms_last', 'sms_prev', 'roaming_last', 'billing_complaints_last',
                    'max_days_late_both_windows', 'support_contacts_last', 'support_contacts_prev'],
        'ecommerce': ['views_last', 'carts_last', 'purchases_last', 'purchases_prev', 'purchases_both_windows',
                      'discounted_purchases_both_windows', 'returns_both_windows', 'purchase_value_last',
                      'purchase_value_prev', 'categorised_purchases_last', 'categorised_purchases_prev',
                      'category_share_difference', 'support_contacts_last', 'support_contacts_prev'],
    }) }}
{%- endmacro %}
