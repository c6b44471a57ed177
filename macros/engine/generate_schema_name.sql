{#- Where the models go. A production target writes the schemas the marts are known by
    (`staging`, `intermediate`, `marts`, `seeds`); every other target, a developer's or a CI
    run's, prefixes them with its own schema (`alice_marts`), dbt's usual convention, so two
    targets on one database never touch each other's tables. The production targets are
    `prod` and this project's own (`duckdb`, `postgres`, `spark`, `spark_thrift` in profiles.yml: the demo
    and the deployments the README describes); var `prod_targets` lists them. Installed as
    a package, the host project's own generate_schema_name decides instead (dbt uses the
    root project's).
    With var `marts_swap` (scheduled_run.py sets it on PostgreSQL) the marts are built into
    `<marts>__next` instead, and a passed build swaps that schema in whole when it commits the
    history (macro marts_swap_statements), so that readers of `marts` see one run or the
    other. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set name = published_schema_name(custom_schema_name) | trim -%}
    {{ name ~ ('__next' if custom_schema_name == 'marts' and var('marts_swap', false) else '') }}
{%- endmacro %}

{#- The schema readers know (generate_schema_name without the build schema of var
    `marts_swap`). -#}
{% macro published_schema_name(custom_schema_name) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- elif target.name in var('prod_targets', ['prod', 'duckdb', 'postgres', 'spark', 'spark_thrift']) -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema | trim }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
