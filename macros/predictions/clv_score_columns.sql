{#- The columns of int_customers_clv_scored and their types, in one place: the SQL model of
    the fit step and the prediction marts cast with clv_typed_columns, and the fit step
    (clv_fit_plan) creates its table from them. Kinds: string, bigint, double, boolean. -#}
{% macro clv_score_columns() -%}
    {{ return({
        'organization_id': 'string', 'customer_id': 'string', 'reference': 'string',
        'model': 'string', 'variant': 'string',
        'x': 'bigint', 't_x': 'bigint', 'T': 'bigint', 'm': 'double',
        'periods_paid': 'bigint', 'lapsed': 'boolean',
        'p_alive': 'double', 'churn_probability': 'double', 'expected_purchases_90d': 'double',
        'expected_avg_value': 'double', 'clv_365d': 'double', 'expected_purchases_horizon': 'double',
        'customers_fitted': 'bigint', 'r': 'double', 'alpha': 'double', 'a': 'double', 'b': 'double',
        'sbg_alpha': 'double', 'sbg_beta': 'double', 'log_likelihood': 'double',
        'p': 'double', 'q': 'double', 'v': 'double', 'gamma_gamma_log_likelihood': 'double',
        'converged': 'boolean', 'reason': 'string', 'fit_variant': 'string',
        'dropout_probability': 'double', 'aic': 'double'}) }}
{%- endmacro %}

{#- The engine's type of a kind of clv_score_columns. -#}
{% macro clv_column_type(kind) -%}
    {%- if kind == 'string' -%} {{ dbt.type_string() }}
    {%- elif kind == 'bigint' -%} {{ dbt.type_bigint() }}
    {%- elif kind == 'double' -%} {{ type_double() }}
    {%- elif kind == 'boolean' -%} {{ dbt.type_boolean() }}
    {%- else -%} {{ exceptions.raise_compiler_error('clv_column_type: unknown kind ' ~ kind) }}
    {%- endif -%}
{%- endmacro %}

{#- `cast(c as type) as c` for each of ``columns`` (names of clv_score_columns; a pair
    [name, alias] renames), comma-separated: the scores typed the same on every engine, also
    when there are none (a Python model's empty output has no types of its own). A name with
    capitals (T) is quoted, so it keeps them on PostgreSQL, which folds unquoted names. -#}
{% macro clv_typed_columns(columns) -%}
    {%- set types = clv_score_columns() -%}
    {%- for column in columns -%}
        {%- set name, alias = (column, column) if column is string else column -%}
    cast({{ clv_column_name(name) }} as {{ clv_column_type(types[name]) }}) as {{ clv_column_name(alias) }}
    {{- ',\n' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{% macro clv_column_name(name) -%}
    {{ adapter.quote(name) if name != name | lower else name }}
{%- endmacro %}
