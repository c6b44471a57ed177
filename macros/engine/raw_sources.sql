{#- The raw tables and their columns (rules section 2) as {table: [(column, type), ...]}, from
    var raw_table_columns (dbt_project.yml, which Python reads too): the DuckDB file reader
    selects exactly these columns, filling a missing column or file with typed NULLs. -#}
{% macro raw_table_columns() -%}
    {%- set tables = {} -%}
    {%- for table, columns in var('raw_table_columns').items() -%}
        {%- do tables.update({table: columns.items() | list}) -%}
    {%- endfor -%}
    {{ return(tables) }}
{%- endmacro %}


{#- The columns of load_errors: the CSV lines the reader could not take. -#}
{% macro load_errors_columns() -%}
    {{ return([('source_table', 'varchar'), ('file', 'varchar'), ('line', 'bigint'), ('csv_line', 'varchar'),
        ('error_message', 'varchar')]) }}
{%- endmacro %}


{#- on-run-start hook: make the raw tables available as relations in `raw_schema`.
    Other engines hold them as tables already (scripts/load_raw.py loads them). -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    select 1 as raw_tables_are_tables
{%- endmacro %}


{#- DuckDB: each raw table is read from RAW_DATA_DIR, from either
      - one file, <table>.parquet or <table>.csv (Parquet preferred when both exist), or
      - a folder <table>/ holding Parquet or CSV files at any depth (e.g. Hive-style
        date=2026-05-01/ partitions, whose key=value folders fill an expected column the
        files lack), read as one table.
    Parquet becomes the view <raw_schema>.<table>; CSV is loaded into a table, read as text
    (validation is the project's, not the reader's) as RFC 4180 writes it: quoted commas,
    quotes and newlines, a UTF-8 BOM, CRLF line ends, columns in any order, extra columns.
    A line the reader cannot take (broken quoting, invalid UTF-8, more or fewer fields than
    the header, longer than 2,000,000 bytes) is not read at all: it goes to
    <raw_schema>.load_errors with its file, physical line number, text and what to fix, and
    becomes an `unreadable_line` reject. A missing or empty file is an empty table, so an
    absent optional table (churn_predictions, customer_features) never fails the build.
    Every table carries `_raw_row_number`, the row's position in its files read in name order
    (for one file, its position in the file), which breaks ties between duplicate
    transaction_ids ("raw order"). -#}
{% macro duckdb__register_raw_sources() -%}
    {%- if not execute or not raw_table_enabled('load_errors') -%}
        {{ return('select 1 as raw_tables_registered') }}  {#- raw_from_files: false: the tables are read where they are -#}
    {%- endif -%}
    {%- set raw_dir = env_var('RAW_DATA_DIR', 'data/raw').rstrip('/') -%}
    {%- set schema = var('raw_schema') -%}
    {%- do run_query('create schema if not exists ' ~ schema) -%}
    {%- set definitions = [] -%}
    {%- for name, type in load_errors_columns() -%}{%- do definitions.append(name ~ ' ' ~ type) -%}{%- endfor -%}
    {%- do run_query('create or replace table ' ~ schema ~ '.load_errors (' ~ definitions | join(', ') ~ ')') -%}
    {%- for table, columns in raw_table_columns().items() -%}
        {%- set files = _raw_table_files(raw_dir, table) -%}
        {%- do _drop_raw_relation(schema, table) -%}
        {%- if files | length == 0 -%}
            {%- do log('raw table ' ~ table ~ ': no file in ' ~ raw_dir ~ ', using an empty table', info=true) -%}
            {%- do run_query('create table ' ~ schema ~ '.' ~ table ~ ' as select '
                ~ _raw_select_list(columns, []) ~ ', cast(null as bigint) as _raw_row_number where false') -%}
        {%- elif files[0].endswith('.parquet') -%}
            {%- do _register_raw_parquet(schema, table, columns, files) -%}
        {%- else -%}
            {%- do _register_raw_csv(raw_dir, schema, table, columns, files) -%}
        {%- endif -%}
    {%- endfor -%}
    select 1 as raw_tables_registered
{%- endmacro %}

{#- The non-empty files of one raw table, in name order (see above for where they may be). -#}
{% macro _raw_table_files(raw_dir, table) -%}
    {%- set base = raw_dir | replace("'", "''") ~ '/' ~ table -%}
    {%- set globbed = run_query(
        "select file from glob('" ~ base ~ ".parquet') union all select file from glob('" ~ base ~ ".csv')"
        ~ " union all select file from glob('" ~ base ~ "/**/*.parquet') union all select file from glob('" ~ base ~ "/**/*.csv')"
    ).columns[0].values() -%}
    {%- if globbed | length == 0 -%}{{ return([]) }}{%- endif -%}
    {%- set listed = [] -%}
    {%- for file in globbed -%}{%- do listed.append("'" ~ file | replace("'", "''") ~ "'") -%}{%- endfor -%}
    {%- set found = run_query(
        "select filename, regexp_extract(filename, '\\.(parquet|csv)$', 1),"
        ~ " case when filename = '" ~ base ~ ".' || regexp_extract(filename, '\\.(parquet|csv)$', 1) then 'file' else 'folder' end"
        ~ " from read_blob([" ~ listed | join(', ') ~ "]) where size > 0 order by 3, 1") -%}
    {%- set single = found.rows | selectattr(2, 'equalto', 'file') | list -%}
    {%- set in_folder = found.rows | selectattr(2, 'equalto', 'folder') | list -%}
    {%- if single and in_folder -%}
        {{ exceptions.raise_compiler_error('raw table ' ~ table ~ ' is both a file (' ~ single[0][0] ~ ') and a folder ('
            ~ raw_dir ~ '/' ~ table ~ '/): keep one of them') }}
    {%- elif single -%}
        {{ return([(single | selectattr(1, 'equalto', 'parquet') | list or single)[0][0]]) }}
    {%- endif -%}
    {%- set formats = in_folder | map(attribute=1) | unique | list -%}
    {%- if formats | length > 1 -%}
        {{ exceptions.raise_compiler_error('the folder ' ~ raw_dir ~ '/' ~ table ~ '/ holds both Parquet and CSV files:'
            ~ ' a table is read from one format, so convert or move one kind') }}
    {%- endif -%}
    {{ return(in_folder | map(attribute=0) | list) }}
{%- endmacro %}

{#- Parquet: one view over the files; columns missing from some files are NULL there. -#}
{% macro _register_raw_parquet(schema, table, columns, files) -%}
    {%- set quoted = [] -%}
    {%- for file in files -%}{%- do quoted.append("'" ~ file | replace("'", "''") ~ "'") -%}{%- endfor -%}
    {%- set reader = 'read_parquet([' ~ quoted | join(', ') ~ '], union_by_name = true, filename = true,'
        ~ ' file_row_number = true, hive_partitioning = ' ~ ('true' if files | length > 1 else 'false') ~ ')' -%}
    {%- set present = run_query('describe select * from ' ~ reader).columns[0].values() | map('lower') | list -%}
    {%- do _require_known_columns(files[0] if files | length == 1 else files[0].rsplit('/' ~ table ~ '/', 1)[0] ~ '/' ~ table ~ '/',
        columns, present) -%}
    {%- if files | length == 1 -%}
        {%- set position = 'file_row_number + 1' -%}
        {%- set source = reader -%}
    {%- else -%}
        {#- rows before a file = the rows of the files before it in name order -#}
        {%- set counts = run_query('select file_name, num_rows from parquet_file_metadata([' ~ quoted | join(', ') ~ '])') -%}
        {%- set offsets = {} -%}
        {%- for row in counts.rows -%}{%- do offsets.update({row[0]: row[1]}) -%}{%- endfor -%}
        {%- set ns = namespace(before=0, values=[]) -%}
        {%- for file in files -%}
            {%- do ns.values.append("('" ~ file | replace("'", "''") ~ "', " ~ ns.before ~ ')') -%}
            {%- set ns.before = ns.before + offsets[file] -%}
        {%- endfor -%}
        {%- set position = 'files.rows_before + file_row_number + 1' -%}
        {%- set source = reader ~ ' as rows join (values ' ~ ns.values | join(', ')
            ~ ') as files (file, rows_before) on rows.filename = files.file' -%}
    {%- endif -%}
    {%- do run_query('create or replace view ' ~ schema ~ '.' ~ table ~ ' as select '
        ~ _raw_select_list(columns, present) ~ ', cast(' ~ position ~ ' as bigint) as _raw_row_number from ' ~ source) -%}
{%- endmacro %}

{#- CSV: each file read with its own header into one table of text columns; its unreadable
    lines into load_errors. -#}
{% macro _register_raw_csv(raw_dir, schema, table, columns, files) -%}
    {%- set relation = schema ~ '.' ~ table -%}
    {%- set definitions = [] -%}
    {%- for name, type in columns -%}{%- do definitions.append(name ~ ' varchar') -%}{%- endfor -%}
    {%- do run_query('create table ' ~ relation ~ ' (' ~ definitions | join(', ') ~ ', _raw_row_number bigint)') -%}
    {#- row_number() over () is the file order only while insertion order is kept -#}
    {%- set keep_order = run_query("select current_setting('preserve_insertion_order')").columns[0].values()[0] -%}
    {%- do run_query('set preserve_insertion_order = true') -%}
    {%- set ns = namespace(before=0) -%}
    {%- for file in files -%}
        {%- set path = file | replace("'", "''") -%}
        {%- set shown = file[raw_dir | length + 1:] if file.startswith(raw_dir ~ '/') else file -%}
        {%- set header = _csv_header(path) -%}
        {%- set partitions = {} -%}
        {%- for part in shown.split('/')[:-1] if '=' in part -%}
            {%- do partitions.update({part.split('=', 1)[0] | lower: part.split('=', 1)[1]}) -%}
        {%- endfor -%}
        {%- do _require_known_columns(file, columns, header + partitions.keys() | list) -%}
        {%- set read_columns = [] -%}
        {%- for name in header -%}{%- do read_columns.append("'c" ~ loop.index ~ "': 'varchar'") -%}{%- endfor -%}
        {%- set items = [] -%}
        {%- for name, type in columns -%}
            {%- if name in header -%}
                {%- do items.append('c' ~ (header.index(name) + 1)) -%}
            {%- elif name in partitions -%}
                {%- do items.append("'" ~ partitions[name] | replace("'", "''") ~ "'") -%}
            {%- else -%}
                {%- do items.append('cast(null as varchar)') -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do run_query('drop table if exists raw_csv_rejects; drop table if exists raw_csv_scans') -%}
        {%- do run_query('insert into ' ~ relation ~ ' select ' ~ items | join(', ') ~ ', cast(' ~ ns.before
            ~ " + row_number() over () as bigint) from read_csv('" ~ path ~ "', auto_detect = false, header = true,"
            ~ " columns = {" ~ read_columns | join(', ') ~ "}, delim = ',', quote = '\"', escape = '\"',"
            ~ " null_padding = false, max_line_size = 2000000, store_rejects = true,"
            ~ " rejects_table = 'raw_csv_rejects', rejects_scan = 'raw_csv_scans')") -%}
        {%- set ns.before = run_query('select count(*) from ' ~ relation).columns[0].values()[0] -%}
        {%- do _record_unreadable_lines(schema, table, path, shown, header | length) -%}
    {%- endfor -%}
    {%- do run_query('set preserve_insertion_order = ' ~ keep_order) -%}
{%- endmacro %}

{#- The header of a CSV file: its first line split on commas outside double quotes, each
    name trimmed and lower-cased; a name repeated later (or blank) is kept as column N so
    that the first one wins. -#}
{% macro _csv_header(path) -%}
    {%- set first = run_query("select line from read_csv('" ~ path ~ "', auto_detect = false, header = false,"
        ~ " columns = {'line': 'varchar'}, delim = chr(1), quote = '', escape = '', strict_mode = false,"
        ~ " ignore_errors = true, max_line_size = 2000000) limit 1").columns[0].values() -%}
    {%- set names = [] -%}
    {%- for quoted, plain in modules.re.findall('(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))', first[0] if first else '') -%}
        {%- set name = (quoted | replace('""', '"') if quoted else plain) | trim | lower -%}
        {%- do names.append(name if name and name not in names else 'column ' ~ loop.index) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- The lines of one CSV file that the reader rejected, one row each (the reader may report
    a line several times), with the physical line number (counting the lines a quoted
    newline adds, which the reader does not), the text, and a sentence saying what to fix. -#}
{% macro _record_unreadable_lines(schema, table, path, shown, field_count) -%}
    {%- if run_query('select count(*) from raw_csv_rejects').columns[0].values()[0] == 0 -%}{{ return(none) }}{%- endif -%}
    {%- call statement('unreadable_lines') -%}
    insert into {{ schema }}.load_errors
    with

    rejects as (
        select
            line_byte_position as start_byte,
            arg_min(error_type, coalesce(column_idx, 0)) as error_type,
            min(try_cast(regexp_extract(error_message, 'Found: (\d+)', 1) as integer)) as fewest_fields,
            max(try_cast(regexp_extract(error_message, 'Found: (\d+)', 1) as integer)) as most_fields,
            arg_min(error_message, coalesce(column_idx, 0)) as reader_message,
            trim(any_value(csv_line), chr(10) || chr(13)) as csv_line
        from raw_csv_rejects
        group by line_byte_position
    ),

    -- The file as text with every byte outside printable ASCII written \xNN (a backslash too),
    -- so a line of it holds (length - 3 x backslashes) bytes.
    file_lines as (
        select unnest(parts) as part, unnest(generate_series(1, len(parts))) as line_number
        from (select string_split(cast(content as varchar), '\x0A') as parts from read_blob('{{ path }}'))
    ),

    line_bytes as (
        select line_number, strlen(part) - 3 * (strlen(part) - strlen(replace(part, '\', ''))) + 1 as bytes
        from file_lines
    ),

    line_starts as (
        select line_number, sum(bytes) over (order by line_number) - bytes as start_byte
        from line_bytes
    )

    select
        '{{ table }}',
        '{{ shown | replace("'", "''") }}',
        line_starts.line_number,
        case
            when rejects.error_type = 'LINE SIZE OVER MAXIMUM'  -- the reader keeps its first 10,000 characters
                then left(rejects.csv_line, 10000) || ' ... ('
                    || regexp_extract(rejects.reader_message, 'Actual Size:\s*(\d+)', 1) || ' bytes in all)'
            when strlen(rejects.csv_line) > 10000
                then left(rejects.csv_line, 10000) || ' ... (' || strlen(rejects.csv_line) || ' bytes in all)'
            else rejects.csv_line
        end,
        case rejects.error_type
            when 'MISSING COLUMNS' then 'it has ' || rejects.fewest_fields || ' fields where the header has {{ field_count }}'
                || ' (cut off, or a delimiter missing): complete the line'
            when 'TOO MANY COLUMNS' then 'it has ' || rejects.most_fields || ' fields where the header has {{ field_count }}'
                || ': put a value that holds a comma in double quotes'
            when 'INVALID ENCODING' then 'it is not valid UTF-8 text: save the file as UTF-8'
            when 'UNQUOTED VALUE' then 'a quoted value is not closed, or text follows its closing quote:'
                || ' write a quote inside a quoted value as two quotes ("")'
            when 'LINE SIZE OVER MAXIMUM' then 'it is longer than the reader''s limit of 2,000,000 bytes: shorten its values'
            else rejects.reader_message
        end
    from rejects
    asof join line_starts on rejects.start_byte >= line_starts.start_byte
    {%- endcall -%}
{%- endmacro %}

{#- A file whose header has none of the expected columns (another delimiter, another table)
    stops the build with one message naming the file and the columns it has, instead of
    every row being rejected for a missing id. An expected column the file lacks is logged. -#}
{% macro _require_known_columns(file, columns, present) -%}
    {%- set expected = [] -%}
    {%- for name, type in columns -%}{%- do expected.append(name) -%}{%- endfor -%}
    {%- if present | select('in', expected) | list | length == 0 -%}
        {{ exceptions.raise_compiler_error(file ~ ' has none of the expected columns (' ~ expected | join(', ')
            ~ '); its header reads: ' ~ present | join(', ') ~ '. Is it comma-separated, with a header line?') }}
    {%- endif -%}
    {%- set missing = expected | reject('in', present) | list -%}
    {%- if missing -%}
        {%- do log(file ~ ' lacks the column(s) ' ~ missing | join(', ') ~ ' (read as empty); its header reads: '
            ~ present | join(', '), info=true) -%}
    {%- endif -%}
{%- endmacro %}

{#- The expected columns, each taken from the file when present and NULL otherwise. -#}
{% macro _raw_select_list(columns, present) -%}
    {%- set items = [] -%}
    {%- for name, type in columns -%}
        {%- if name in present -%}
            {%- do items.append('"' ~ name ~ '"') -%}
        {%- else -%}
            {%- do items.append('cast(null as ' ~ type ~ ') as ' ~ name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(items | join(', ')) }}
{%- endmacro %}

{#- Drop <schema>.<name> whether it is a view or a table (the file's format may change). -#}
{% macro _drop_raw_relation(schema, name) -%}
    {%- set found = run_query("select table_type from information_schema.tables where table_schema = '"
        ~ schema ~ "' and table_name = '" ~ name ~ "'").columns[0].values() -%}
    {%- for table_type in found -%}
        {%- do run_query('drop ' ~ ('view' if table_type == 'VIEW' else 'table') ~ ' ' ~ schema ~ '.' ~ name) -%}
    {%- endfor -%}
{%- endmacro %}

{#- The lower-case data types of a relation's columns as the engine holds them, by column
    name (empty while parsing), so models can skip work the types make unnecessary. -#}
{% macro relation_column_types(relation) -%}
    {%- set types = {} -%}
    {%- if execute -%}
        {%- for item in adapter.get_columns_in_relation(relation) -%}
            {%- do types.update({item.name | lower: item.dtype | lower}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(types) }}
{%- endmacro %}

{#- The same for a raw table. -#}
{% macro raw_column_types(table) -%}
    {%- if not raw_table_enabled(table) -%}{{ return({}) }}{%- endif -%}
    {{ return(relation_column_types(source('raw', table))) }}
{%- endmacro %}

{#- The lower-case data type of one raw column (none while parsing, or when it does not exist). -#}
{% macro raw_column_type(table, column) -%}
    {{ return(raw_column_types(table).get(column)) }}
{%- endmacro %}

{#- run-operation of scripts/load_raw.py: read RAW_DATA_DIR into this (DuckDB) target's
    raw_schema and commit (a run-operation does not commit by itself). -#}
{% macro read_raw_files() -%}
    {%- do register_raw_sources() -%}
    {%- do adapter.commit() -%}
{%- endmacro %}
