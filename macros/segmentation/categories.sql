{#- High / Medium / Low of a 0-100 score (rules section 4): High above var
    rfm_high_threshold, Low below var rfm_low_threshold, Medium in between, both inclusive. -#}
{% macro score_category(score) -%}
    case
        when {{ score }} > {{ var('rfm_high_threshold') }} then 'High'
        when {{ score }} >= {{ var('rfm_low_threshold') }} then 'Medium'
        when {{ score }} < {{ var('rfm_low_threshold') }} then 'Low'
    end
{%- endmacro %}

{#- Churn risk level of a probability (rules section 5); Unknown when there is none. -#}
{% macro churn_risk_level(churn_score) -%}
    case
        when {{ churn_score }} is null then 'Unknown'
        when {{ churn_score }} >= {{ var('churn_critical_threshold') }} then 'Critical'
        when {{ churn_score }} >= {{ var('churn_high_threshold') }} then 'High'
        when {{ churn_score }} >= {{ var('churn_medium_threshold') }} then 'Medium'
        else 'Low'
    end
{%- endmacro %}
