{#- The rows of a validated model (int_<table>_validated) that passed every check: the one
    place that says what "valid" means (no reject reason). Readers select from it as from a
    table: `from {{ valid_rows('int_customers_validated') }}`; the subquery is named after the
    model unless `alias` is given. -#}
{% macro valid_rows(model_name, alias=none) -%}
    (select * from {{ ref(model_name) }} where reject_reason_code is null) as {{ alias or model_name }}
{%- endmacro %}
