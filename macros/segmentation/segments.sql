{#- The 11 business segments (rules section 6), evaluated in order; the first rule that
    matches wins and About to Sleep takes what is left (R = Medium and F = Low). Arguments are
    SQL expressions: the R, F, M, E categories (High/Medium/Low), the churn risk level
    (Low/Medium/High/Critical/Unknown) and tenure in days. -#}
{% macro segment_rules(r, f, m, e, c, tenure_days) -%}
    {{ return([
        ('Cannot Lose Them', m ~ " = 'High' and " ~ f ~ " in ('High', 'Medium') and (" ~ r ~ " = 'Low' or " ~ c ~ " = 'Critical')"),
        ('At Risk', f ~ " in ('High', 'Medium') and (" ~ r ~ " = 'Low' or " ~ c ~ " in ('High', 'Critical'))"),
        ('Lost', r ~ " = 'Low' and " ~ f ~ " = 'Low' and " ~ c ~ " in ('High', 'Critical')"),
        ('Hibernating', r ~ " = 'Low'"),
        ('Champions', r ~ " = 'High' and " ~ f ~ " = 'High' and " ~ m ~ " in ('High', 'Medium') and " ~ c ~ " in ('Low', 'Unknown')"),
        ('Loyal Customers', f ~ " = 'High'"),
        ('New Customers', r ~ " = 'High' and " ~ f ~ " = 'Low' and " ~ tenure_days ~ " <= " ~ var('new_customer_days')),
        ('Potential Loyalists', f ~ " = 'Medium' and (" ~ r ~ " = 'High' or " ~ e ~ " = 'High')"),
        ('Promising', r ~ " = 'High'"),
        ('Need Attention', f ~ " = 'Medium'"),
    ]) }}
{%- endmacro %}

{% macro segment_case(r, f, m, e, c, tenure_days) -%}
    case
        {%- for segment, condition in segment_rules(r, f, m, e, c, tenure_days) %}
        when {{ condition }} then '{{ segment }}'
        {%- endfor %}
        else 'About to Sleep'
    end
{%- endmacro %}
