{#- The prediction fit outside dbt (rules section 9.6): on engines whose dbt adapter runs no
    Python models, `python scripts/fit_predictions.py --target NAME` fits every organisation
    with the package retention_clv and writes its scores to clv_fit_relation(); the SQL model
    int_customers_clv_scored (models/intermediate/predictions/clv_fit_step/) reads them after
    clv_fit_step_check has made sure they were fitted for this build. -#}

{#- The vars the fit reads, in one canonical text: the Python model reads them from its meta,
    the fit step from clv_fit_plan, and the check compares the fit's with this build's. -#}
{% macro clv_fit_settings() -%}
    {{ return(tojson({
        'clv_noncontractual_model': var('clv_noncontractual_model') | string,
        'churn_horizon_days': var('churn_horizon_days') | float,
        'contract_period_days': var('contract_period_days') | float,
        'clv_min_customers': var('clv_min_customers') | int,
        'clv_min_repeat_customers': var('clv_min_repeat_customers') | int}, sort_keys=true)) }}
{%- endmacro %}

{#- Where the fit step writes its scores: table clv_fit_step_scores beside the intermediate
    models (the schema follows generate_schema_name, so a development target has its own). -#}
{% macro clv_fit_relation() -%}
    {{ return(api.Relation.create(
        database=target.database if target.type != 'spark' else none,
        schema=generate_schema_name('intermediate', none) | trim,
        identifier='clv_fit_step_scores')) }}
{%- endmacro %}

{#- For the fit step (`dbt run-operation clv_fit_plan`): what to read, where to write (and its
    columns' kinds, clv_score_columns), on which server (PostgreSQL: target_connection), for
    which as_of_date and with which settings, as one JSON line. -#}
{% macro clv_fit_plan() -%}
    {%- set as_of = run_query('select cast(as_of_date as ' ~ dbt.type_string() ~ ') from '
                              ~ ref('int_as_of_date_resolved')) -%}
    {%- do print('CLV_FIT_PLAN ' ~ tojson({
        'type': target.type,
        'summary': ref('int_customers_purchases_summarized') | string,
        'output': clv_fit_relation() | string,
        'output_schema': clv_fit_relation().schema,
        'output_identifier': clv_fit_relation().identifier,
        'columns': clv_score_columns(),
        'connection': target_connection(),
        'as_of_date': as_of.columns[0].values()[0] | string,
        'settings': clv_fit_settings()}, sort_keys=true)) -%}
{%- endmacro %}

{#- Stops the build with one message naming the fit step unless its scores exist and were
    fitted for this build's as_of_date and settings (rules section 9.6). Runs when the model
    runs (int_as_of_date_resolved is built by then). -#}
{% macro clv_fit_step_check() -%}
    {%- if execute -%}
        {%- set fit = clv_fit_relation() -%}
        {%- set how = 'run `python scripts/fit_predictions.py --target ' ~ target.name
                      ~ '` with the same --vars (scripts/scheduled_run.py, backfill.py and demo.sh do it)' -%}
        {%- if adapter.get_relation(fit.database, fit.schema, fit.identifier) is none -%}
            {{ exceptions.raise_compiler_error('No prediction fit in ' ~ fit ~ ': the fit step has not run on target '
                                               ~ target.name ~ '. ' ~ how ~ ', then build again.') }}
        {%- endif -%}
        {%- set found = run_query('select distinct cast(f.as_of_date as ' ~ dbt.type_string() ~ '), f.fit_settings, '
            ~ 'cast(a.as_of_date as ' ~ dbt.type_string() ~ ') from ' ~ fit ~ ' as f cross join '
            ~ ref('int_as_of_date_resolved') ~ ' as a') -%}
        {%- set counts = run_query('select (select count(*) from ' ~ fit ~ '), (select count(*) from '
                                   ~ ref('int_customers_purchases_summarized') ~ ')') -%}
        {%- if counts.rows[0][0] != counts.rows[0][1] -%}
            {{ exceptions.raise_compiler_error('The prediction fit in ' ~ fit ~ ' has ' ~ counts.rows[0][0]
                ~ ' customer rows, this build\'s purchase summary ' ~ counts.rows[0][1] ~ ': the data changed since the fit step ran. '
                ~ how ~ ', then build again.') }}
        {%- endif -%}
        {%- set expected = clv_fit_settings() -%}
        {%- for row in found.rows -%}
            {%- if row[0] != row[2] or row[1] != expected -%}
                {{ exceptions.raise_compiler_error('The prediction fit in ' ~ fit ~ ' was made for as_of_date ' ~ row[0]
                    ~ ' with ' ~ row[1] ~ ', this build is for ' ~ row[2] ~ ' with ' ~ expected ~ ': '
                    ~ how ~ ', then build again.') }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
