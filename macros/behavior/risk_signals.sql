{#- The 18 risk signals of rules section 7, per industry, as SQL conditions over the columns
    of int_customer_events_aggregated (plus plan_allowance_mb). Thresholds are vars; ratios
    are written exactly as the rules write them, in double precision. Every condition is
    NULL-safe: a missing value never fires a signal. -#}
{% macro _d(expression) -%}cast({{ expression }} as {{ type_double() }}){%- endmacro %}
{#- numerator / denominator in double precision; NULL (never an error) when the denominator is 0. -#}
{% macro _ratio(numerator, denominator) -%}
    ({{ _d(numerator) }} / nullif({{ _d(denominator) }}, 0))
{%- endmacro %}

{% macro risk_signal_rules() -%}
    {%- set share_last = _ratio('calls_last', 'calls_last + sms_last') -%}
    {%- set share_prev = _ratio('calls_prev', 'calls_prev + sms_prev') -%}
    {{ return({
        'banking': {
            'login_frequency_decline':
                'logins_prev >= ' ~ var('signal_login_decline_min_prev')
                ~ ' and ' ~ _d('logins_last') ~ ' <= ' ~ var('signal_login_decline_ratio') ~ ' * ' ~ _d('logins_prev'),
            'transaction_volume_drop':
                'transactions_prev >= ' ~ var('signal_transaction_drop_min_prev')
                ~ ' and ' ~ _d('transactions_last') ~ ' <= ' ~ var('signal_transaction_drop_ratio') ~ ' * ' ~ _d('transactions_prev'),
            'feature_abandonment':
                'features_prev >= ' ~ var('signal_feature_abandonment_min_prev')
                ~ ' and ' ~ _d('features_last') ~ ' <= ' ~ var('signal_feature_abandonment_ratio') ~ ' * ' ~ _d('features_prev'),
            'balance_checking_without_action':
                'balance_checks_last >= ' ~ var('signal_balance_checks_min_last')
                ~ ' and ' ~ _d('transactions_last') ~ ' <= ' ~ var('signal_balance_checks_action_ratio') ~ ' * ' ~ _d('balance_checks_last'),
            'single_product_usage':
                'transactions_60d >= ' ~ var('signal_single_product_min_transactions')
                ~ ' and transaction_categories_60d = 1',
            'support_contact_spike':
                'support_contacts_last >= ' ~ var('signal_support_spike_min_last')
                ~ ' and ' ~ _d('support_contacts_last') ~ ' >= ' ~ var('signal_support_spike_ratio') ~ ' * ' ~ _d('support_contacts_prev'),
        },
        'telecom': {
            'data_usage_decline':
                'data_mb_prev > 0 and data_mb_last < ' ~ var('signal_data_decline_ratio') ~ ' * data_mb_prev',
            'communication_pattern_change':
                'calls_prev + sms_prev >= ' ~ var('signal_communication_min_prev')
                ~ ' and (' ~ _d('calls_last + sms_last') ~ ' <= ' ~ var('signal_communication_drop_ratio') ~ ' * ' ~ _d('calls_prev + sms_prev')
                ~ ' or (calls_last + sms_last >= ' ~ var('signal_communication_min_last')
                ~ ' and abs(' ~ share_last ~ ' - ' ~ share_prev ~ ') >= ' ~ var('signal_communication_share_shift') ~ '))',
            'plan_underutilization':
                'plan_allowance_mb > 0 and ' ~ _ratio('100 * data_mb_last', 'plan_allowance_mb') ~ ' < ' ~ var('signal_plan_underutilization_percent'),
            'billing_complaints':
                'billing_complaints_last >= ' ~ var('signal_billing_complaints_min_last'),
            'frequent_roaming':
                'roaming_last >= ' ~ var('signal_roaming_min_last'),
            'payment_delays':
                'max_days_late_60d >= ' ~ var('signal_payment_delay_days'),
        },
        'ecommerce': {
            'high_cart_abandonment':
                'carts_last >= ' ~ var('signal_cart_abandonment_min_carts')
                ~ ' and 1 - ' ~ _ratio('case when purchases_last < carts_last then purchases_last else carts_last end', 'carts_last')
                ~ ' >= ' ~ var('signal_cart_abandonment_rate'),
            'category_shift':
                'purchases_prev >= ' ~ var('signal_category_shift_min_purchases')
                ~ ' and purchases_last >= ' ~ var('signal_category_shift_min_purchases')
                ~ ' and category_share_difference >= 2 * ' ~ var('signal_category_shift_distance')
                ~ ' * categorised_purchases_last * categorised_purchases_prev',
            'discount_dependency':
                'purchases_60d >= ' ~ var('signal_discount_dependency_min_purchases')
                ~ ' and ' ~ _ratio('discounted_purchases_60d', 'purchases_60d') ~ ' >= ' ~ var('signal_discount_dependency_share'),
            'basket_size_decline':
                'purchases_prev >= ' ~ var('signal_basket_decline_min_prev')
                ~ ' and purchases_last >= ' ~ var('signal_basket_decline_min_last')
                ~ ' and ' ~ _ratio('purchase_value_last', 'purchases_last')
                ~ ' <= ' ~ var('signal_basket_decline_ratio') ~ ' * ' ~ _ratio('purchase_value_prev', 'purchases_prev'),
            'low_browse_to_buy':
                'views_last >= ' ~ var('signal_browse_min_views')
                ~ ' and ' ~ _ratio('purchases_last', 'views_last') ~ ' < ' ~ var('signal_browse_to_buy_rate'),
            'high_return_rate':
                'purchases_60d >= ' ~ var('signal_return_rate_min_purchases')
                ~ ' and ' ~ _ratio('returns_60d', 'purchases_60d') ~ ' >= ' ~ var('signal_return_rate'),
        },
    }) }}
{%- endmacro %}

{#- True when the named signal fires for the row (`org_type_column` and `signal_column` are
    SQL expressions; a signal of another industry never fires). Never NULL. -#}
{% macro risk_signal_fires(org_type_column, signal_column) -%}
    coalesce(case
        {%- for org_type, signals in risk_signal_rules().items() %}
        {%- for signal, condition in signals.items() %}
        when {{ org_type_column }} = '{{ org_type }}' and {{ signal_column }} = '{{ signal }}' then ({{ condition }})
        {%- endfor %}
        {%- endfor %}
    end, false)
{%- endmacro %}

{#- The industry metrics behind the signals, per industry: what behavior_analysis.metadata
    shows (as a JSON object) so a person can see why a signal fired. -#}
{% macro behavior_metadata_columns() -%}
    {{ return({
        'banking': ['logins_last', 'logins_prev', 'transactions_last', 'transactions_prev',
                    'features_last', 'features_prev', 'balance_checks_last', 'transactions_60d',
                    'transaction_categories_60d', 'support_contacts_last', 'support_contacts_prev'],
        'telecom': ['data_mb_last', 'data_mb_prev', 'plan_allowance_mb', 'calls_last', 'calls_prev',
                    'sms_last', 'sms_prev', 'roaming_last', 'billing_complaints_last',
                    'max_days_late_60d', 'support_contacts_last', 'support_contacts_prev'],
        'ecommerce': ['views_last', 'carts_last', 'purchases_last', 'purchases_prev', 'purchases_60d',
                      'discounted_purchases_60d', 'returns_60d', 'purchase_value_last',
                      'purchase_value_prev', 'categorised_purchases_last', 'categorised_purchases_prev',
                      'category_share_difference', 'support_contacts_last', 'support_contacts_prev'],
    }) }}
{%- endmacro %}
