{#- One row per analysed customer: last vs previous 30-day metrics, trends, the 0-100
    behaviour score, fired risk signals with recommendations, and the industry metrics behind
    them (rules section 7). -#}
with

customers as (

    select * from {{ ref('int_customers_behavior_profiled') }}

),

signals as (

    select
        customer_id,
        count(*) as risk_signal_count,
        {{ json_array_agg_text('risk_signal', 'risk_signal') }} as risk_signals,
        {{ json_array_agg_text('recommendation', 'risk_signal') }} as recommendations

    from {{ ref('behavior_risk_signals') }}
    group by customer_id

),

final as (

    select
        {{ dbt.hash(
            "customers.organization_id || '|' || customers.customer_id"
            ~ " || '|' || cast(customers.as_of_date as " ~ dbt.type_string() ~ ")"
        ) }} as id,
        customers.customer_id,
        customers.organization_id,
        customers.org_type,
        {{ behavior_score('customers.activity_last', 'customers.activity_prev',
                          'customers.value_last', 'customers.value_prev',
                          'customers.active_days_last') }} as behavior_score,
        {{ trend('customers.activity_last', 'customers.activity_prev') }} as activity_trend,
        {{ trend('customers.value_last', 'customers.value_prev') }} as value_trend,
        {{ trend('customers.active_days_last', 'customers.active_days_prev') }} as engagement_trend,
        coalesce(signals.risk_signals, '[]') as risk_signals,
        coalesce(signals.risk_signal_count, 0) as risk_signal_count,
        coalesce(signals.recommendations, '[]') as recommendations,
        -- the window metrics under their first names, which state var window_days' default:
        -- deprecated aliases of the columns at the end, removed in 0.3.0
        customers.activity_last as activity_last_30,
        customers.activity_prev as activity_prev_30,
        customers.value_last as value_last_30,
        customers.value_prev as value_prev_30,
        customers.active_days_last as active_days_last_30,
        customers.active_days_prev as active_days_prev_30,
        -- noqa: disable=LT02
        case customers.org_type
            {%- for org_type, columns in behavior_metadata_columns().items() %}
            {%- set pairs = [] %}
            {%- for column in columns %}{% do pairs.append((column, 'customers.' ~ column)) %}{% endfor %}
            when '{{ org_type }}' then {{ json_object_text(pairs) }}
            {%- endfor %}
        end as metadata,
        -- noqa: enable=LT02
        customers.as_of_date,
        {{ run_started_at_literal() }} as analyzed_at,
        customers.activity_last,
        customers.activity_prev,
        customers.value_last,
        customers.value_prev,
        customers.active_days_last,
        customers.active_days_prev

    from customers
    left join signals
        on customers.customer_id = signals.customer_id

)

select * from final
