{#- Behaviour rules of rules section 7, one place each. Ratios are computed in double
    precision exactly as the rules write them (counts cast before dividing, nothing
    rearranged), so boundary cases such as a change of exactly 20% land as specified. -#}

{#- (last - prev) / prev, in double precision; only meaningful when prev <> 0. -#}
{% macro relative_change(last, prev) -%}
    ((cast({{ last }} as {{ type_double() }}) - cast({{ prev }} as {{ type_double() }})) / cast({{ prev }} as {{ type_double() }}))
{%- endmacro %}

{#- increasing / stable / declining / unknown (var trend_threshold; exactly +threshold is
    increasing, exactly -threshold declining; prev = 0: unknown if last = 0, else increasing). -#}
{% macro trend(last, prev) -%}
    case
        when {{ prev }} = 0 and {{ last }} = 0 then 'unknown'
        when {{ prev }} = 0 then 'increasing'
        when {{ relative_change(last, prev) }} >= {{ var('trend_threshold') }} then 'increasing'
        when {{ relative_change(last, prev) }} <= -{{ var('trend_threshold') }} then 'declining'
        else 'stable'
    end
{%- endmacro %}

{#- 0-100 component of a metric: 50 if both windows are 0, 100 if only the last has any,
    else 50 + 50 * clamp(change, -1, 1). -#}
{% macro behavior_component(last, prev) -%}
    case
        when {{ prev }} = 0 and {{ last }} = 0 then 50.0
        when {{ prev }} = 0 then 100.0
        when {{ relative_change(last, prev) }} >= 1 then 100.0
        when {{ relative_change(last, prev) }} <= -1 then 0.0
        else 50.0 + 50.0 * {{ relative_change(last, prev) }}
    end
{%- endmacro %}

{#- round(0.4 * component(activity) + 0.3 * component(value)
          + 0.3 * 100 * min(1, active_days_last / engaged_days), 2) -#}
{% macro behavior_score(activity_last, activity_prev, value_last, value_prev, active_days_last) -%}
    {{ round_to(
        '0.4 * ' ~ behavior_component(activity_last, activity_prev)
        ~ ' + 0.3 * ' ~ behavior_component(value_last, value_prev)
        ~ ' + 0.3 * 100 * case when cast(' ~ active_days_last ~ ' as ' ~ type_double() ~ ') / ' ~ var('engaged_days')
        ~ ' >= 1 then 1.0 else cast(' ~ active_days_last ~ ' as ' ~ type_double() ~ ') / ' ~ var('engaged_days') ~ ' end',
        2
    ) }}
{%- endmacro %}

{#- high / medium / low urgency of a signal from the percentage of analysed customers it
    affects (vars urgency_high_percentage, urgency_medium_percentage). -#}
{% macro signal_urgency(percentage) -%}
    case
        when {{ percentage }} >= {{ var('urgency_high_percentage') }} then 'high'
        when {{ percentage }} >= {{ var('urgency_medium_percentage') }} then 'medium'
        else 'low'
    end
{%- endmacro %}
