{#- The 11 business segments (rules section 6) as one CASE: the first rule that matches wins,
    and About to Sleep takes what is left (R = Medium and F = Low). Arguments are SQL
    expressions: the R, F, M, E categories (High/Medium/Low), the churn risk level
    (Low/Medium/High/Critical/Unknown) and tenure in days. -#}
{% macro segment_case(r, f, m, e, c, tenure_days) -%}
    case
        when {{ m }} = 'High' and {{ f }} in ('High', 'Medium') and ({{ r }} = 'Low' or {{ c }} = 'Critical')
            then 'Cannot Lose Them'
        when {{ f }} in ('High', 'Medium') and ({{ r }} = 'Low' or {{ c }} in ('High', 'Critical'))
            then 'At Risk'
        when {{ r }} = 'Low' and {{ f }} = 'Low' and {{ c }} in ('High', 'Critical')
            then 'Lost'
        when {{ r }} = 'Low'
            then 'Hibernating'
        when {{ r }} = 'High' and {{ f }} = 'High' and {{ m }} in ('High', 'Medium') and {{ c }} in ('Low', 'Unknown')
            then 'Champions'
        when {{ f }} = 'High'
            then 'Loyal Customers'
        when {{ r }} = 'High' and {{ f }} = 'Low' and {{ tenure_days }} <= {{ var('new_customer_days') }}
            then 'New Customers'
        when {{ f }} = 'Medium' and ({{ r }} = 'High' or {{ e }} = 'High')
            then 'Potential Loyalists'
        when {{ r }} = 'High'
            then 'Promising'
        when {{ f }} = 'Medium'
            then 'Need Attention'
        else 'About to Sleep'
    end
{%- endmacro %}
