{#- run-operation for the scripts that read marts (summary, report, publish, scheduled_run):
    where the given target keeps them, as one line `TARGET_LOCATION {json}`: its type, the
    marts schema generate_schema_name gives it, (DuckDB) its database file and (PostgreSQL)
    its connection. -#}
{% macro target_location() -%}
    {%- do print('TARGET_LOCATION ' ~ tojson({
        'target': target.name, 'type': target.type,
        'marts_schema': generate_schema_name('marts', none) | trim,
        'path': target.get('path'),
        'connection': target_connection()}, sort_keys=true)) -%}
{%- endmacro %}

{#- The target's server and database as the Python scripts connect to them (PostgreSQL; the
    password is left to the libpq variable PGPASSWORD, never printed). -#}
{% macro target_connection() -%}
    {{ return({'host': target.get('host'), 'port': target.get('port'), 'user': target.get('user'),
               'dbname': target.get('dbname') or target.get('database')}) }}
{%- endmacro %}
