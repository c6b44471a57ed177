{#- The raw tables read in this build and the model that validates each (customer_features
    only with var rfm_source provided): one place for the gate and the reconciliation test. -#}
{% macro raw_validated_models() -%}
    {%- set tables = {
        'organizations': 'int_organizations_validated',
        'customers': 'int_customers_validated',
        'transactions': 'int_transactions_validated',
        'churn_predictions': 'int_churn_predictions_validated',
    } -%}
    {%- if var('rfm_source') == 'provided' -%}
        {%- do tables.update({'customer_features': 'int_provided_features_validated'}) -%}
    {%- endif -%}
    {{ return(tables) }}
{%- endmacro %}

{#- Post-hook of int_raw_tables_gated: stop the build with one message when a raw table fails
    the data-quality gate (rules section 10), naming each failing table with its share of
    rejected rows and most common reason. With var `data_quality_gate: false` the message is a
    warning and the build goes on. -#}
{% macro data_quality_gate(relation) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set failures = run_query('select gate_failure from ' ~ relation
                                 ~ ' where gate_failure is not null order by source_table').columns[0].values() -%}
    {%- if failures -%}
        {%- set message = 'Data-quality gate: the input is too broken to build on. ' ~ failures | join('; ')
                          ~ '. Fix the input, or set var data_quality_gate: false to build anyway.' -%}
        {%- if var('data_quality_gate') -%}
            {{ exceptions.raise_compiler_error(message) }}
        {%- else -%}
            {%- do exceptions.warn(message) -%}
        {%- endif -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
