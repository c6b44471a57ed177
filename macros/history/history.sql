{#- The history of scheduled runs: four tables in `marts` that only a passed `dbt build`
    writes, and the next run reads (as the `history` source). A run stages what it will write
    (models/marts/history/*_staged) and tests it; the on-run-end hook commit_history() then
    swaps the staged rows in, in one transaction, and only when every node of the build
    passed. A failed, killed or overlapping run therefore never leaves rows of its own and
    never removes another run's (docs/rules.md, section 12). -#}

{#- The committed tables, their columns and types (one place: the DDL, the commit and the
    staged models' contract tests read it). `date` is the column a run's slice is keyed by;
    `from_run_on`: a run rewrites its date and every later date (the carried-forward values
    of later runs depend on it); otherwise only its own date. -#}
{% macro history_tables() -%}
    {%- set text = dbt.type_string() -%}
    {%- set double = type_double() -%}
    {{ return({
        'history_runs': {'date': 'as_of_date', 'from_run_on': true, 'staged': 'history_runs_staged', 'columns': [
            ('organization_id', text), ('as_of_date', 'date'), ('previous_as_of_date', 'date'),
            ('segmented_customers', dbt.type_bigint()), ('written_at', dbt.type_timestamp()), ('invocation_id', text)]},
        'segment_history': {'date': 'as_of_date', 'from_run_on': true, 'staged': 'segment_history_staged', 'columns': [
            ('organization_id', text), ('customer_id', text), ('as_of_date', 'date'), ('segment', text),
            ('segment_score', double), ('churn_score', double), ('churn_risk_level', text), ('rfm_score', double),
            ('previous_segment', text), ('previous_as_of_date', 'date'), ('segment_changed_on', 'date')]},
        'segment_migration': {'date': 'to_as_of_date', 'from_run_on': true, 'staged': 'segment_migration_staged', 'columns': [
            ('organization_id', text), ('from_as_of_date', 'date'), ('to_as_of_date', 'date'),
            ('from_segment', text), ('to_segment', text), ('customer_count', dbt.type_bigint()), ('percentage', double)]},
        'behavior_signal_history': {'date': 'as_of_date', 'from_run_on': false, 'staged': 'behavior_signal_history_staged', 'columns': [
            ('organization_id', text), ('customer_id', text), ('as_of_date', 'date'), ('behavior_score', double),
            ('activity_trend', text), ('risk_signals', text)]},
    }) }}
{%- endmacro %}

{#- Whether this run starts the history again (`--full-refresh`): it then holds this run only. -#}
{% macro history_is_reset() -%}
    {{ return(flags.FULL_REFRESH) }}
{%- endmacro %}

{#- A committed history table: the relation of the `history` source's table (so the schema
    has one definition, in models/staging/_staging__sources.yml). Only at execution. -#}
{% macro history_relation(name) -%}
    {%- set table = graph.sources.values() | selectattr('source_name', 'equalto', 'history')
        | selectattr('name', 'equalto', name) | first -%}
    {{ return(api.Relation.create(database=table.database, schema=table.schema, identifier=table.identifier)) }}
{%- endmacro %}

{#- The schema of the history source; it must be the marts schema, where readers and the
    published copy find the history beside the marts. -#}
{% macro history_schema() -%}
    {%- set schema = history_relation('history_runs').schema -%}
    {%- set marts_schema = published_schema_name('marts') | trim -%}
    {%- if schema != marts_schema -%}
        {{ exceptions.raise_compiler_error("The history source's schema is " ~ schema ~ " but the marts are built in "
            ~ marts_schema ~ ": set var history_schema to " ~ marts_schema ~ " (the history lives beside the marts).") }}
    {%- endif -%}
    {{ return(schema) }}
{%- endmacro %}


{#- on-run-start: create the history tables that do not exist yet (empty) and add the
    columns a project upgrade brought (NULL on the dates written before it), so that the
    first run and an upgraded project read them like any other run. -#}
{% macro create_history_tables() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- do adapter.create_schema(api.Relation.create(database=target.get('database'), schema=history_schema())) -%}
    {{ return(adapter.dispatch('create_history_tables')()) }}
{%- endmacro %}

{% macro default__create_history_tables() -%}
    {%- set statements = [] -%}
    {%- for name, table in history_tables().items() -%}
        {%- set existing = adapter.get_relation(database=target.get('database'), schema=history_schema(), identifier=name) -%}
        {%- if existing is none -%}
            {%- do statements.extend(history_create_table_sql(history_relation(name), table)) -%}
        {%- else -%}
            {%- set present = adapter.get_columns_in_relation(existing) | map(attribute='name') | map('lower') | list -%}
            {%- set missing = [] -%}
            {%- for column, type in table.columns if column not in present -%}
                {%- do missing.append((column, type)) -%}
            {%- endfor -%}
            {%- if missing -%}
                {%- do statements.append(history_add_columns_sql(existing, missing)) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(history_execute(statements)) }}
{%- endmacro %}

{% macro history_create_table_sql(relation, table) -%}
    {{ return(adapter.dispatch('history_create_table_sql')(relation, table)) }}
{%- endmacro %}

{#- `name type` of each (name, type) pair, for DDL. -#}
{% macro history_column_definitions(columns) -%}
    {%- set definitions = [] -%}
    {%- for column, type in columns -%}{%- do definitions.append(column ~ ' ' ~ type) -%}{%- endfor -%}
    {{ return(definitions) }}
{%- endmacro %}

{% macro default__history_create_table_sql(relation, table) -%}
    {{ return([
        'create table if not exists ' ~ relation ~ ' (' ~ history_column_definitions(table.columns) | join(', ') ~ ')',
    ]) }}
{%- endmacro %}

{#- PostgreSQL: an index on the slice date, so that a run reads only the dates it needs. -#}
{% macro postgres__history_create_table_sql(relation, table) -%}
    {{ return(default__history_create_table_sql(relation, table) + [
        'create index if not exists ' ~ relation.identifier ~ '_by_date on ' ~ relation ~ ' (' ~ table.date ~ ', organization_id)',
    ]) }}
{%- endmacro %}

{% macro history_add_columns_sql(relation, columns) -%}
    {{ return(adapter.dispatch('history_add_columns_sql')(relation, columns)) }}
{%- endmacro %}

{% macro default__history_add_columns_sql(relation, columns) -%}
    {%- set parts = [] -%}
    {%- for definition in history_column_definitions(columns) -%}
        {%- do parts.append('alter table ' ~ relation ~ ' add column ' ~ definition) -%}
    {%- endfor -%}
    {{ return(parts | join(';\n')) }}
{%- endmacro %}

{% macro spark__history_add_columns_sql(relation, columns) -%}
    {{ return('alter table ' ~ relation ~ ' add columns (' ~ history_column_definitions(columns) | join(', ') ~ ')') }}
{%- endmacro %}


{#- on-run-end: commit the staged history, or say why not. It commits only a `dbt build`
    (models and their tests) in which every node passed (warnings allowed) and the staged
    history models were built; a run that failed anywhere writes nothing, so the history
    keeps the last good state. The commit replaces, in one transaction:
    - segment_history, segment_migration and history_runs from this run's as_of_date on (the
      run's rows, and every later date's rows re-derived from them when the run is a
      backfill between existing runs);
    - behavior_signal_history at this run's as_of_date;
    then prunes the dates older than var `history_keep_days` before the latest run. With
    --full-refresh the history is emptied first, so it holds this run only. -#}
{% macro commit_history(results) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set tables = history_tables() -%}
    {%- set staged_names = [] -%}
    {%- for name, table in tables.items() -%}{%- do staged_names.append(table.staged) -%}{%- endfor -%}
    {%- set built = [] -%}
    {%- set failed = [] -%}
    {%- set skipped = [] -%}
    {%- for result in results -%}
        {%- if result.status == 'skipped' -%}
            {%- do skipped.append(result.node.name) -%}
        {%- elif result.status not in ('success', 'pass', 'warn', 'no-op') -%}
            {%- do failed.append(result.node.name ~ ' (' ~ result.status ~ ')') -%}
        {%- elif result.node.resource_type == 'model' and result.node.name in staged_names -%}
            {%- do built.append(result.node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if flags.WHICH != 'build' and not built -%}
        {{ return('') }}  {#- nothing was staged: nothing to say -#}
    {%- elif flags.WHICH != 'build' -%}
        {%- set reason = 'only `dbt build` (models and their tests) writes it' -%}
    {%- elif failed or skipped -%}
        {%- set reason = failed | length ~ ' node(s) failed' ~ (': ' ~ failed[:5] | join(', ') if failed else '')
                         ~ (' and ' ~ skipped | length ~ ' were skipped' if skipped else '') -%}
    {%- elif built | length < staged_names | length -%}
        {%- set reason = 'this build did not select the staged history models (' ~ staged_names | reject('in', built) | join(', ') ~ ')' -%}
    {%- endif -%}
    {%- if reason is defined -%}
        {%- do log('History not written: ' ~ reason ~ '; it keeps its last committed state.'
                   ~ (' The marts built into ' ~ published_schema_name('marts') | trim ~ '__next were not published.'
                      if var('marts_swap', false) else ''), info=true) -%}
        {{ return('') }}
    {%- endif -%}

    {%- set as_of = model_relation('int_as_of_date_resolved') -%}
    {%- set run_date = run_query('select cast(as_of_date as ' ~ dbt.type_string() ~ ') from ' ~ as_of).columns[0].values()[0] -%}
    {%- set keep_days = var('history_keep_days', none) -%}
    {%- set cutoff = none -%}
    {%- if keep_days is not none -%}
        {%- set latest = 'select as_of_date from ' ~ as_of ~ ('' if history_is_reset() else
                         ' union all select as_of_date from ' ~ history_relation('history_runs')) -%}
        {%- set cutoff = run_query('select cast(cast(' ~ add_days('max(as_of_date)', -(keep_days | int)) ~ ' as date) as '
                                   ~ dbt.type_string() ~ ') from (' ~ latest ~ ') as runs').columns[0].values()[0] -%}
    {%- endif -%}
    {%- do history_commit(run_date, cutoff) -%}
    {%- do log('History written for as_of_date ' ~ run_date
               ~ (' (full refresh: the history holds this run only)' if history_is_reset() else '')
               ~ ('' if keep_days is none else '; runs before ' ~ cutoff ~ ' pruned (history_keep_days ' ~ keep_days ~ ')')
               ~ ('; the marts of ' ~ published_schema_name('marts') | trim ~ '__next published with it (marts_swap)'
                  if var('marts_swap', false) else ''), info=true) -%}
    {{ return('') }}
{%- endmacro %}

{#- Write the staged history of the run of ``run_date``: replace, in every history table, the
    dates the run rewrites (its date and, where from_run_on, every later one; every date with
    --full-refresh) by the staged rows, then remove the dates before ``cutoff`` (none: keep
    all). All of it or nothing: DuckDB and PostgreSQL in one transaction, Spark by a commit
    marker written last. -#}
{% macro history_commit(run_date, cutoff) -%}
    {{ return(adapter.dispatch('history_commit')(run_date, cutoff)) }}
{%- endmacro %}

{#- The dates a run replaces in a history table, as a condition on its date column. -#}
{% macro history_replaced_dates(table, run_date) -%}
    {%- if history_is_reset() -%}{{ return('1 = 1') }}{%- endif -%}
    {{ return(table.date ~ (' >= ' if table.from_run_on else ' = ') ~ "cast('" ~ run_date ~ "' as date)") }}
{%- endmacro %}

{% macro default__history_commit(run_date, cutoff) -%}
    {%- set swap = marts_swap_statements() if var('marts_swap', false) else {'first': [], 'last': []} -%}
    {%- set statements = [] + swap.first -%}
    {%- for name, table in history_tables().items() -%}
        {%- set relation = history_relation(name) -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | join(', ') -%}
        {%- do statements.append('delete from ' ~ relation ~ ' where ' ~ history_replaced_dates(table, run_date)) -%}
        {%- do statements.append('insert into ' ~ relation ~ ' (' ~ columns ~ ') select ' ~ columns ~ ' from '
                                 ~ model_relation(table.staged)) -%}
    {%- endfor -%}
    {%- if cutoff is not none -%}
        {%- for name, table in history_tables().items() -%}
            {%- do statements.append('delete from ' ~ history_relation(name) ~ ' where ' ~ table.date
                                     ~ " < cast('" ~ cutoff ~ "' as date)") -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do history_execute(statements + swap.last) -%}
{%- endmacro %}

{#- With var `marts_swap`: the statements that publish the marts built into `<marts>__next`
    (generate_schema_name), run in the history's commit transaction, so that a reader's query
    sees the marts and history of one run or of the other: {'first': [...], 'last': [...]}.
    First every relation readers know is locked (a query that reaches one waits for the commit
    and then finds the new one by name; one that holds one finishes on the old ones first);
    last the schemas swap names and the history tables move into the new marts schema. The
    previous marts become `<marts>__next`, which the next build replaces. PostgreSQL only
    (DDL in a transaction). -#}
{% macro marts_swap_statements() -%}
    {{ return(adapter.dispatch('marts_swap_statements')()) }}
{%- endmacro %}

{% macro default__marts_swap_statements() -%}
    {{ exceptions.raise_compiler_error('var marts_swap publishes the marts by a schema swap, which only PostgreSQL '
        ~ 'runs in a transaction; ' ~ target.type ~ ' builds the marts in place (unset marts_swap).') }}
{%- endmacro %}

{% macro postgres__marts_swap_statements() -%}
    {%- set live = published_schema_name('marts') | trim -%}
    {%- set next = live ~ '__next' -%}
    {%- set previous = live ~ '__previous' -%}
    {%- if model_relation('customer_segments').schema != next -%}
        {{ exceptions.raise_compiler_error('var marts_swap: the marts were not built into ' ~ next ~ ' (a project '
            ~ 'with its own generate_schema_name must add __next to the marts schema when marts_swap is set).') }}
    {%- endif -%}
    {#- a reader that holds a mart for longer fails the run (nothing changes) instead of
        making every reader queue behind the swap -#}
    {%- set first = ["set local lock_timeout = '" ~ var('marts_swap_lock_timeout', '60s') ~ "'"] -%}
    {%- set held = run_query("select quote_ident(c.relname) from pg_class as c inner join pg_namespace as n "
        ~ "on n.oid = c.relnamespace where n.nspname = '" ~ live ~ "' and c.relkind in ('r', 'v', 'm', 'p') "
        ~ "order by c.relname").columns[0].values() -%}
    {%- if held -%}
        {%- set qualified = [] -%}
        {%- for name in held -%}{%- do qualified.append(adapter.quote(live) ~ '.' ~ name) -%}{%- endfor -%}
        {%- do first.append('lock table ' ~ qualified | join(', ') ~ ' in access exclusive mode') -%}
    {%- endif -%}
    {%- set statements = ['create schema if not exists ' ~ adapter.quote(live)] -%}
    {#- what readers were granted on the marts schema, and by its default privileges on the
        tables created in it, stays with the name: the schema swapped in gets the same -#}
    {%- for privilege, grantee in run_query("select a.privilege_type, coalesce(quote_ident(r.rolname), 'public') "
            ~ "from pg_namespace as n cross join lateral aclexplode(n.nspacl) as a left join pg_roles as r "
            ~ "on r.oid = a.grantee where n.nspname = '" ~ live ~ "' and a.grantee <> n.nspowner").rows -%}
        {%- do statements.append('grant ' ~ privilege ~ ' on schema ' ~ adapter.quote(next) ~ ' to ' ~ grantee) -%}
    {%- endfor -%}
    {%- set kinds = {'r': 'tables', 'S': 'sequences', 'f': 'functions', 'T': 'types'} -%}
    {%- for owner, kind, privilege, grantee in run_query("select quote_ident(o.rolname), d.defaclobjtype, "
            ~ "a.privilege_type, coalesce(quote_ident(r.rolname), 'public') from pg_default_acl as d "
            ~ "inner join pg_namespace as n on n.oid = d.defaclnamespace inner join pg_roles as o on o.oid = d.defaclrole "
            ~ "cross join lateral aclexplode(d.defaclacl) as a left join pg_roles as r on r.oid = a.grantee "
            ~ "where n.nspname = '" ~ live ~ "'").rows if kind in kinds -%}
        {%- do statements.append('alter default privileges for role ' ~ owner ~ ' in schema ' ~ adapter.quote(next)
                                 ~ ' grant ' ~ privilege ~ ' on ' ~ kinds[kind] ~ ' to ' ~ grantee) -%}
        {%- if kind == 'r' -%}
            {%- do statements.append('grant ' ~ privilege ~ ' on all tables in schema ' ~ adapter.quote(next)
                                     ~ ' to ' ~ grantee) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do statements.extend([
        'drop schema if exists ' ~ adapter.quote(previous) ~ ' cascade',
        'alter schema ' ~ adapter.quote(live) ~ ' rename to ' ~ adapter.quote(previous),
        'alter schema ' ~ adapter.quote(next) ~ ' rename to ' ~ adapter.quote(live),
    ]) -%}
    {%- for name in history_tables() -%}
        {%- do statements.append('alter table ' ~ adapter.quote(previous) ~ '.' ~ adapter.quote(name)
                                 ~ ' set schema ' ~ adapter.quote(live)) -%}
    {%- endfor -%}
    {%- do statements.append('alter schema ' ~ adapter.quote(previous) ~ ' rename to ' ~ adapter.quote(next)) -%}
    {{ return({'first': first, 'last': statements}) }}
{%- endmacro %}

{#- A model's relation by name, from the graph (ref() is not for hooks). -#}
{% macro model_relation(name) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == name
                                           and node.package_name == 'retention_analytics' -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error('no model ' ~ name) }}
{%- endmacro %}

{#- Run SQL statements in order as one transaction (DuckDB, PostgreSQL: dbt's own, begun by
    the first statement and committed after the last; a failure or a kill before the commit
    leaves nothing); Spark, which has no transactions, one after another. Returns no SQL for
    the hook. -#}
{% macro history_execute(statements) -%}
    {{ return(adapter.dispatch('history_execute')(statements)) }}
{%- endmacro %}

{% macro default__history_execute(statements) -%}
    {%- for sql in statements -%}
        {%- call statement('history', auto_begin=true) -%}{{ sql }}{%- endcall -%}
    {%- endfor -%}
    {%- if statements -%}{%- do adapter.commit() -%}{%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- PostgreSQL: dbt ends its transactions by sending COMMIT as SQL text, after which psycopg2
    still believes one is open and sends no BEGIN before the next statement, so each statement
    would commit on its own (a kill midway would leave part of the commit). An explicit begin
    makes them one transaction (inside one already open, PostgreSQL only warns). -#}
{% macro postgres__history_execute(statements) -%}
    {{ return(default__history_execute((['begin'] + statements) if statements else [])) }}
{%- endmacro %}

{% macro spark__history_execute(statements) -%}
    {%- for sql in statements -%}{%- do run_query(sql) -%}{%- endfor -%}
    {{ return('') }}
{%- endmacro %}
