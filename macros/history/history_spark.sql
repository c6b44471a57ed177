{#- The history on Spark: write-audit-publish, since Spark has no transactions.

    Each history table is a view (the name readers and the next run use) over a storage table
    `<name>__versions`, partitioned by the slice date and `run_key` (the run that wrote the
    rows), and the commit log `history_commits` (table_name, slice_date, run_key,
    committed_at). The view shows, for each date, the rows of the run the latest commit names;
    a commit that names no run (run_key NULL) removes the date. A run's commit:
      1. writes its rows into new partitions of its own run_key (invisible: nothing names them);
      2. writes every (table, date) it replaces or removes as one insert into history_commits,
         of one file: the moment the run becomes visible, all of it at once;
      3. drops the partitions no commit shows any more, of its own run or older ones.
    A run killed before 2 leaves partitions nothing shows (the next commit drops them); killed
    after 2, it is committed whole. Runs must not overlap (scheduled_run.py's lock): a run
    started earlier than the committing one and still writing would lose its rows in 3. -#}

{% macro spark_history_relation(identifier) -%}
    {%- set public = history_relation('history_runs') -%}
    {{ return(api.Relation.create(database=public.database, schema=public.schema, identifier=identifier)) }}
{%- endmacro %}

{#- A run's key: its start (UTC, sortable) and invocation id. An earlier layout's rows have the
    smallest key. -#}
{% macro spark_history_run_key() -%}
    {{ return(run_started_at.strftime('%Y%m%dT%H%M%S') ~ '_' ~ invocation_id) }}
{%- endmacro %}

{% macro spark_history_data_columns(table) -%}
    {%- set columns = [] -%}
    {%- for column, type in table.columns if column != table.date -%}{%- do columns.append((column, type)) -%}{%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- (date, run_key) of every partition of a storage table. -#}
{% macro spark_history_partitions(storage) -%}
    {%- set partitions = [] -%}
    {%- for row in run_query('show partitions ' ~ storage).rows -%}
        {%- set parts = row[0].split('/') -%}
        {%- do partitions.append((parts[0].split('=', 1)[1], parts[1].split('=', 1)[1])) -%}
    {%- endfor -%}
    {{ return(partitions) }}
{%- endmacro %}

{#- date -> run_key of the latest commit of each date of a history table (none: removed). -#}
{% macro spark_history_latest(name) -%}
    {%- set rows = run_query(spark_history_latest_sql(name)) -%}
    {%- set latest = {} -%}
    {%- for row in rows.rows -%}{%- do latest.update({row[0] | string: row[1]}) -%}{%- endfor -%}
    {{ return(latest) }}
{%- endmacro %}

{% macro spark_history_latest_sql(name) -%}
    select cast(slice_date as string) as slice_date, run_key from (
        select slice_date, run_key,
            row_number() over (partition by slice_date order by committed_at desc, run_key desc) as n
        from {{ spark_history_relation('history_commits') }}
        where table_name = '{{ name }}'
    ) as commits
    where n = 1
{%- endmacro %}

{#- Write commits: rows of (table, date, run_key or none), as one insert of one file. -#}
{% macro spark_history_write_commits(markers) -%}
    {%- if not markers -%}{{ return('') }}{%- endif -%}
    {%- set values = [] -%}
    {%- for name, day, key in markers -%}
        {%- do values.append("('" ~ name ~ "', '" ~ day ~ "', " ~ ("'" ~ key ~ "'" if key is not none else 'null') ~ ')') -%}
    {%- endfor -%}
    {%- do run_query('insert into ' ~ spark_history_relation('history_commits')
        ~ ' select /*+ REPARTITION(1) */ table_name, cast(slice_date as date), cast(run_key as string), current_timestamp()'
        ~ ' from values ' ~ values | join(', ') ~ ' as commits(table_name, slice_date, run_key)') -%}
{%- endmacro %}

{#- Drop the partitions of a storage table that no latest commit shows, of runs up to
    ``up_to`` (a run key): superseded, removed, or left by a run killed before its commit. -#}
{% macro spark_history_drop_unseen(name, table, up_to) -%}
    {%- set storage = spark_history_relation(name ~ '__versions') -%}
    {%- set latest = spark_history_latest(name) -%}
    {%- for day, key in spark_history_partitions(storage) if latest.get(day) != key and key <= up_to -%}
        {%- do run_query('alter table ' ~ storage ~ ' drop if exists partition (' ~ table.date ~ " = '" ~ day
                         ~ "', run_key = '" ~ key ~ "')") -%}
    {%- endfor -%}
{%- endmacro %}

{#- on-run-start: the commit log, each storage table (columns a project upgrade brought
    added), each view; a history table of the earlier layout (a table partitioned by date)
    moves into its storage as one commit, then is dropped. -#}
{% macro spark__create_history_tables() -%}
    {%- set commits = spark_history_relation('history_commits') -%}
    {%- do run_query('create table if not exists ' ~ commits
        ~ ' (table_name string, slice_date date, run_key string, committed_at timestamp) using parquet') -%}
    {%- for name, table in history_tables().items() -%}
        {%- set storage = spark_history_relation(name ~ '__versions') -%}
        {%- set data_columns = spark_history_data_columns(table) -%}
        {%- set existing = adapter.get_relation(database=storage.database, schema=storage.schema, identifier=storage.identifier) -%}
        {%- if existing is none -%}
            {%- do run_query('create table ' ~ storage ~ ' (' ~ history_column_definitions(data_columns) | join(', ')
                ~ ', ' ~ table.date ~ ' date, run_key string) using parquet partitioned by (' ~ table.date ~ ', run_key)') -%}
        {%- else -%}
            {%- set present = adapter.get_columns_in_relation(existing) | map(attribute='name') | map('lower') | list -%}
            {%- set missing = data_columns | rejectattr('0', 'in', present) | list -%}
            {%- if missing -%}
                {%- do run_query(history_add_columns_sql(existing, missing)) -%}
            {%- endif -%}
        {%- endif -%}
        {%- set public = history_relation(name) -%}
        {%- set legacy = adapter.get_relation(database=public.database, schema=public.schema, identifier=public.identifier) -%}
        {%- if legacy is not none and legacy.type == 'table' -%}
            {%- do spark_history_adopt(name, table, legacy) -%}
        {%- endif -%}
        {%- set contract = [] -%}
        {%- for column, type in table.columns -%}{%- do contract.append('rows.' ~ column) -%}{%- endfor -%}
        {%- do run_query('create or replace view ' ~ public ~ ' as select ' ~ contract | join(', ') ~ ' from ' ~ storage
            ~ ' as rows inner join (' ~ spark_history_latest_sql(name) ~ ') as latest on rows.' ~ table.date
            ~ ' = cast(latest.slice_date as date) and rows.run_key = latest.run_key') -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}

{#- The earlier layout's table: its rows become the partitions of the smallest run key (again,
    if a killed start left some), committed, then the table is dropped (the view replaces it). -#}
{% macro spark_history_adopt(name, table, legacy) -%}
    {%- set storage = spark_history_relation(name ~ '__versions') -%}
    {%- set key = '00000000T000000_earlier_layout' -%}
    {%- for day, run in spark_history_partitions(storage) if run == key -%}
        {%- do run_query('alter table ' ~ storage ~ ' drop if exists partition (' ~ table.date ~ " = '" ~ day
                         ~ "', run_key = '" ~ key ~ "')") -%}
    {%- endfor -%}
    {%- set present = adapter.get_columns_in_relation(legacy) | map(attribute='name') | map('lower') | list -%}
    {%- set columns = [] -%}
    {%- for column in adapter.get_columns_in_relation(storage) | map(attribute='name') | map('lower')
            if column not in (table.date, 'run_key') -%}
        {%- do columns.append(column if column in present else 'null as ' ~ column) -%}
    {%- endfor -%}
    {%- do run_query('insert into ' ~ storage ~ ' select ' ~ columns | join(', ') ~ ', ' ~ table.date ~ ", '" ~ key
                     ~ "' from " ~ legacy) -%}
    {%- set markers = [] -%}
    {%- for row in run_query('select distinct cast(' ~ table.date ~ ' as string) from ' ~ legacy).rows -%}
        {%- do markers.append((name, row[0], key)) -%}
    {%- endfor -%}
    {%- do spark_history_write_commits(markers) -%}
    {%- do run_query('drop table ' ~ legacy) -%}
{%- endmacro %}

{% macro spark__history_commit(run_date, cutoff) -%}
    {%- set key = spark_history_run_key() -%}
    {%- set commits = {} -%}  {#- (table, date) -> run key or none, the later decision winning -#}
    {%- for name, table in history_tables().items() -%}
        {%- set public = history_relation(name) -%}
        {%- set storage = spark_history_relation(name ~ '__versions') -%}
        {%- for row in run_query('select distinct cast(' ~ table.date ~ ' as string) from ' ~ public
                                 ~ ' where ' ~ history_replaced_dates(table, run_date)).rows -%}
            {%- do commits.update({(name, row[0]): none}) -%}
        {%- endfor -%}
        {%- set staged = model_relation(table.staged) -%}
        {%- set columns = adapter.get_columns_in_relation(storage) | map(attribute='name') | map('lower')
                          | reject('in', (table.date, 'run_key')) | list -%}
        {%- do run_query('insert into ' ~ storage ~ ' select ' ~ columns | join(', ') ~ ', ' ~ table.date ~ ", '" ~ key
                         ~ "' from " ~ staged) -%}
        {%- for row in run_query('select distinct cast(' ~ table.date ~ ' as string) from ' ~ staged).rows -%}
            {%- do commits.update({(name, row[0]): key}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if cutoff is not none -%}
        {%- for name, table in history_tables().items() -%}
            {%- for row in run_query('select distinct cast(' ~ table.date ~ ' as string) from ' ~ history_relation(name)
                                     ~ ' where ' ~ table.date ~ " < cast('" ~ cutoff ~ "' as date)").rows -%}
                {%- do commits.update({(name, row[0]): none}) -%}
            {%- endfor -%}
            {%- for (commit_table, day) in commits.keys() | list if commit_table == name and day < cutoff -%}
                {%- do commits.update({(name, day): none}) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set markers = [] -%}
    {%- for (name, day), run in commits.items() -%}{%- do markers.append((name, day, run)) -%}{%- endfor -%}
    {%- do spark_history_write_commits(markers) -%}
    {%- for name, table in history_tables().items() -%}
        {%- do spark_history_drop_unseen(name, table, key) -%}
    {%- endfor -%}
{%- endmacro %}
