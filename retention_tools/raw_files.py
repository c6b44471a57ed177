"""Raw files read into DuckDB: the raw tables (rules section 2) as relations of a schema.

Each raw table is read from the raw directory (RAW_DATA_DIR), from either

- one file, <table>.parquet or <table>.csv (Parquet preferred when both exist), or
- a folder <table>/ holding Parquet or CSV files at any depth (e.g. Hive-style
  date=2026-05-01/ partitions, whose key=value folders fill an expected column the files
  lack), read as one table.

Parquet becomes the view <schema>.<table>; CSV is loaded into a table, read as text
(validation is the project's, not the reader's) as RFC 4180 writes it: quoted commas, quotes
and newlines, a UTF-8 BOM, CRLF line ends, columns in any order, extra columns. A line the
reader cannot take (broken quoting, invalid UTF-8, more or fewer fields than the header,
longer than 2,000,000 bytes) is not read at all: it goes to <schema>.load_errors with its
file, physical line number, text and what to fix, and becomes an `unreadable_line` reject
(docs/data-quality.md). A missing or empty file is an empty table, so an absent optional
table (churn_predictions, customer_features) never fails the build. Every table carries
`_raw_row_number`, the row's position in its files read in name order (for one file, its
position in the file), which breaks ties between duplicate transaction_ids ("raw order").

A file whose header has none of the expected columns, a table that is both a file and a
folder, and a folder holding both Parquet and CSV files stop the reading with one message
(RawFileError); an expected column a file lacks is read as NULL and named in the log.

DuckDB does the reading (glob, read_blob, read_parquet, parquet_file_metadata, read_csv
with its rejects tables); this module decides what to read, parses the CSV headers, numbers
the lines of the unreadable ones and words what to fix. Two callers: the DuckDB target's
dbt-duckdb plugin (retention_tools.duckdb_plugin, at the start of every build) and
scripts/load_raw.py (for PostgreSQL and Spark). It replaced a Jinja reader (an on-run-start
hook) and reads what that read (tests/python/test_raw_files.py).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import BinaryIO

import duckdb

from retention_tools.project_vars import raw_table_columns

# The columns of load_errors: the CSV lines the reader could not take.
LOAD_ERRORS_COLUMNS = (
    ("source_table", "varchar"),
    ("file", "varchar"),
    ("line", "bigint"),
    ("csv_line", "varchar"),
    ("error_message", "varchar"),
)
MAX_LINE_BYTES = 2_000_000  # DuckDB's max_line_size: a longer line is unreadable
SHOWN_CHARACTERS = 10_000  # the text of an unreadable line is cut after this many characters
# The uploaded churn scores read as a file: its relation, the name its unreadable lines go
# under in load_errors (and the rejects), its columns and the one the header may add.
UPLOAD_TABLE, UPLOAD_SOURCE = "churn_upload_file", "churn_upload"
UPLOAD_COLUMNS, UPLOAD_OPTIONAL_COLUMNS = ("customer_id", "churn_score"), ("organization_id",)
UPLOAD_DEFAULT_FILE = "seeds/synthetic_churn_predictions.csv"
# DuckDB's own rejects tables (temporary), emptied before each CSV file.
REJECTS_TABLE, REJECTS_SCAN = "raw_csv_rejects", "raw_csv_scans"

# A header field: quoted (two quotes stand for one) or plain, after the start or a comma.
_HEADER_FIELD = re.compile(r'(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))')
# The numbers in DuckDB's messages (RE2's \d and \s, as the SQL reader read them).
_FOUND_FIELDS = r"Found: ([0-9]+)"
_ACTUAL_SIZE = re.compile(r"Actual Size:[\t\n\f\r ]*([0-9]+)")
# What to fix, per DuckDB error type of a rejected line ({fields}: the line's, {header}: the header's).
_FIXES = {
    "MISSING COLUMNS": "it has {fields} fields where the header has {header} (cut off, or a delimiter missing):"
    " complete the line",
    "TOO MANY COLUMNS": "it has {fields} fields where the header has {header}:"
    " put a value that holds a comma in double quotes",
    "INVALID ENCODING": "it is not valid UTF-8 text: save the file as UTF-8",
    "UNQUOTED VALUE": "a quoted value is not closed, or text follows its closing quote:"
    ' write a quote inside a quoted value as two quotes ("")',
    "LINE SIZE OVER MAXIMUM": "it is longer than the reader's limit of 2,000,000 bytes: shorten its values",
}

Log = Callable[[str], object]


class RawFileError(Exception):
    """A raw file or folder the reader refuses; the message says which and what to do."""


def register_raw_tables(
    con: duckdb.DuckDBPyConnection,
    raw_dir: str | os.PathLike,
    schema: str = "raw",
    tables: Mapping[str, Mapping[str, str]] | None = None,
    log: Log = print,
) -> None:
    """Read the raw files of ``raw_dir`` into ``schema`` of ``con``: one relation per raw
    table (a view over Parquet files, a table of text columns from CSV files, an empty typed
    table when there is no file) with the expected columns and `_raw_row_number`, and the
    table load_errors of the CSV lines that could not be read.

    ``tables`` is {table: {column: SQL type}} in order, by default var raw_table_columns of
    dbt_project.yml. Messages (a missing file, a file lacking columns) go to ``log``. It runs
    in a transaction of its own (``con`` must not be in one), so a file the reader refuses
    (RawFileError) leaves ``schema`` as it was.
    """
    raw = os.fspath(raw_dir).rstrip("/")
    tables = raw_table_columns() if tables is None else tables
    with _transaction(con):
        con.execute(f"create schema if not exists {quote_identifier(schema)}")
        definitions = ", ".join(f"{quote_identifier(name)} {type_}" for name, type_ in LOAD_ERRORS_COLUMNS)
        con.execute(f"create or replace table {_relation(schema, 'load_errors')} ({definitions})")
        for table, columns in tables.items():
            files = raw_table_files(con, raw, table)
            drop_relation(con, schema, table)
            if not files:
                log(f"raw table {table}: no file in {raw}, using an empty table")
                con.execute(
                    f"create table {_relation(schema, table)} as select {select_list(columns, [])},"
                    " cast(null as bigint) as _raw_row_number where false"
                )
            elif files[0].endswith(".parquet"):
                register_parquet(con, schema, table, columns, files, log)
            else:
                register_csv(con, raw, schema, table, columns, files, log)


def register_upload(
    con: duckdb.DuckDBPyConnection, file: str | os.PathLike, schema: str = "raw", log: Log = print
) -> None:
    """The uploaded churn scores (rules section 5), read like a raw CSV file into the table
    <schema>.churn_upload_file: text columns customer_id, churn_score and, only when the
    header has it, organization_id (its presence says that the file names the organisation
    per row), with `_raw_row_number`. Its unreadable lines are appended to <schema>.load_errors
    as table `churn_upload`, so run it after register_raw_tables, which recreates that table.
    A missing or empty (0-byte) file is an upload without rows. Its own transaction: a file
    the reader refuses (RawFileError) leaves the upload as it was."""
    path = os.fspath(file)
    with _transaction(con):
        con.execute(f"create schema if not exists {quote_identifier(schema)}")
        definitions = ", ".join(f"{quote_identifier(name)} {type_}" for name, type_ in LOAD_ERRORS_COLUMNS)
        con.execute(f"create table if not exists {_relation(schema, 'load_errors')} ({definitions})")
        con.execute(f"delete from {_relation(schema, 'load_errors')} where source_table = ?", [UPLOAD_SOURCE])
        drop_relation(con, schema, UPLOAD_TABLE)
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            log(f"churn upload: no rows in {path} (the file is missing or empty)")
            columns = dict.fromkeys(UPLOAD_COLUMNS, "varchar")
            con.execute(
                f"create table {_relation(schema, UPLOAD_TABLE)} as select {select_list(columns, [])},"
                " cast(null as bigint) as _raw_row_number where false"
            )
            return
        header = parse_csv_header(csv_first_line(con, path))
        names = UPLOAD_COLUMNS + tuple(name for name in UPLOAD_OPTIONAL_COLUMNS if name in header)
        register_csv(
            con,
            os.path.dirname(path),
            schema,
            UPLOAD_TABLE,
            dict.fromkeys(names, "varchar"),
            [path],
            log,
            source_table=UPLOAD_SOURCE,
        )


def upload_file(project_dir: str | os.PathLike, settings: Mapping[str, object]) -> str:
    """The upload file the vars name (var churn_upload_file), relative to the dbt project."""
    return os.path.join(os.fspath(project_dir), str(settings.get("churn_upload_file", UPLOAD_DEFAULT_FILE)))


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction around the block: committed at its end, rolled back on an error."""
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


def raw_table_files(con: duckdb.DuckDBPyConnection, raw_dir: str, table: str) -> list[str]:
    """The non-empty files of one raw table, in name order: [<table>.parquet] or
    [<table>.csv] (Parquet when both are there), the Parquet or CSV files under <table>/ at
    any depth, or [] when there is none. A table that is both a file and a folder, or a
    folder holding both formats, is refused (RawFileError)."""
    base = f"{raw_dir}/{table}"
    globbed = [
        row[0]
        for row in con.execute(
            "select file from glob($1 || '.parquet') union all select file from glob($1 || '.csv')"
            " union all select file from glob($1 || '/**/*.parquet')"
            " union all select file from glob($1 || '/**/*.csv')",
            [base],
        ).fetchall()
    ]
    if not globbed:
        return []
    found = con.execute(
        r"select filename, regexp_extract(filename, '\.(parquet|csv)$', 1) as format,"
        " case when filename = $1 || '.' || format then 'file' else 'folder' end as kind"
        " from read_blob($2) where size > 0 order by kind, filename",
        [base, globbed],
    ).fetchall()
    single = [(name, format_) for name, format_, kind in found if kind == "file"]
    in_folder = [(name, format_) for name, format_, kind in found if kind == "folder"]
    if single and in_folder:
        raise RawFileError(
            f"raw table {table} is both a file ({single[0][0]}) and a folder ({raw_dir}/{table}/): keep one of them"
        )
    if single:
        return [next((name for name, format_ in single if format_ == "parquet"), single[0][0])]
    if len({format_ for _, format_ in in_folder}) > 1:
        raise RawFileError(
            f"the folder {raw_dir}/{table}/ holds both Parquet and CSV files:"
            " a table is read from one format, so convert or move one kind"
        )
    return [name for name, _ in in_folder]


def register_parquet(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    columns: Mapping[str, str],
    files: list[str],
    log: Log = print,
) -> None:
    """The view <schema>.<table> over Parquet files: the expected columns (NULL in a file
    that lacks one; a folder's key=value partitions count as columns when there are several
    files) and `_raw_row_number`, the row's position in the file, after the rows of the files
    before it in name order."""
    listed = "[" + ", ".join(quote_string(file) for file in files) + "]"
    hive = "true" if len(files) > 1 else "false"
    reader = (
        f"read_parquet({listed}, union_by_name = true, filename = true, file_row_number = true,"
        f" hive_partitioning = {hive})"
    )
    present = [row[0].lower() for row in con.execute(f"describe select * from {reader}").fetchall()]
    where = files[0] if len(files) == 1 else files[0].rsplit(f"/{table}/", 1)[0] + f"/{table}/"
    require_known_columns(where, columns, present, log)
    if len(files) == 1:
        position, source = "file_row_number + 1", reader
    else:
        rows_in = dict(con.execute("select file_name, num_rows from parquet_file_metadata(?)", [files]).fetchall())
        before, values = 0, []
        for file in files:
            values.append(f"({quote_string(file)}, {before})")
            before += rows_in[file]
        position = "files.rows_before + file_row_number + 1"
        source = (
            f"{reader} as rows join (values {', '.join(values)}) as files (file, rows_before)"
            " on rows.filename = files.file"
        )
    con.execute(
        f"create or replace view {_relation(schema, table)} as select {select_list(columns, present)},"
        f" cast({position} as bigint) as _raw_row_number from {source}"
    )


def register_csv(
    con: duckdb.DuckDBPyConnection,
    raw_dir: str,
    schema: str,
    table: str,
    columns: Mapping[str, str],
    files: list[str],
    log: Log = print,
    source_table: str | None = None,
) -> None:
    """The table <schema>.<table> of text columns from CSV files, each read with its own
    header (a folder's key=value partitions fill an expected column the file lacks), and
    `_raw_row_number` counting the rows read so far in name order; each file's unreadable
    lines go to <schema>.load_errors, under ``source_table`` (default ``table``)."""
    relation = _relation(schema, table)
    definitions = ", ".join(f"{quote_identifier(name)} varchar" for name in columns)
    con.execute(f"create table {relation} ({definitions}, _raw_row_number bigint)")
    # row_number() over () is the file's order only while insertion order is kept
    keep_order = con.execute("select current_setting('preserve_insertion_order')").fetchone()[0]
    con.execute("set preserve_insertion_order = true")
    try:
        before = 0
        for file in files:
            shown = file[len(raw_dir) + 1 :] if file.startswith(raw_dir + "/") else file
            header = parse_csv_header(csv_first_line(con, file))
            partitions = hive_partitions(shown)
            require_known_columns(file, columns, header + list(partitions), log)
            _insert_csv_file(con, relation, columns, file, header, partitions, before)
            before = con.execute(f"select count(*) from {relation}").fetchone()[0]
            record_unreadable_lines(con, schema, source_table or table, file, shown, len(header))
    finally:
        con.execute(f"set preserve_insertion_order = {'true' if keep_order else 'false'}")


def _insert_csv_file(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    columns: Mapping[str, str],
    file: str,
    header: list[str],
    partitions: Mapping[str, str],
    before: int,
) -> None:
    """Append the rows of one CSV file to ``relation``: its fields by the header's position
    (the first of a repeated name), else the partition's value, else NULL; the lines DuckDB
    rejects land in its rejects tables, emptied first."""
    parameters: dict[str, object] = {"file": file, "before": before}
    items = []
    for name in columns:
        if name in header:
            items.append(f"c{header.index(name) + 1}")
        elif name in partitions:
            parameters[f"p{len(items)}"] = partitions[name]
            items.append(f"cast($p{len(items)} as varchar)")
        else:
            items.append("cast(null as varchar)")
    read_columns = ", ".join(f"'c{number}': 'varchar'" for number in range(1, len(header) + 1))
    con.execute(f"drop table if exists {REJECTS_TABLE}")
    con.execute(f"drop table if exists {REJECTS_SCAN}")
    con.execute(
        f"insert into {relation} select {', '.join(items)}, cast($before + row_number() over () as bigint)"
        f" from read_csv($file, auto_detect = false, header = true, columns = {{{read_columns}}},"
        """ delim = ',', quote = '"', escape = '"', null_padding = false,"""
        f" max_line_size = {MAX_LINE_BYTES}, store_rejects = true,"
        f" rejects_table = '{REJECTS_TABLE}', rejects_scan = '{REJECTS_SCAN}')",
        parameters,
    )


def csv_first_line(con: duckdb.DuckDBPyConnection, file: str) -> str | None:
    """The first line of a CSV file as DuckDB reads it (without a BOM or the line end; None
    when the file starts with an empty line), '' for a file without lines."""
    first = con.execute(
        "select line from read_csv(?, auto_detect = false, header = false, columns = {'line': 'varchar'},"
        " delim = chr(1), quote = '', escape = '', strict_mode = false, ignore_errors = true,"
        f" max_line_size = {MAX_LINE_BYTES}) limit 1",
        [file],
    ).fetchone()
    return first[0] if first else ""


def parse_csv_header(line: str | None) -> list[str]:
    """The column names of a header line: split on commas outside double quotes, each name
    unquoted, trimmed and lower-cased; a name repeated later (or blank) becomes `column N`
    (its position) so that the first one wins. An empty first line (None) reads as ''."""
    names: list[str] = []
    for number, (quoted, plain) in enumerate(_HEADER_FIELD.findall(line or ""), start=1):
        name = (quoted.replace('""', '"') if quoted else plain).strip().lower()
        names.append(name if name and name not in names else f"column {number}")
    return names


def hive_partitions(shown: str) -> dict[str, str]:
    """The key=value folders of a file's path (relative to the raw directory), as {key in
    lower case: value}; a later folder with the same key wins."""
    partitions = {}
    for part in shown.split("/")[:-1]:
        if "=" in part:
            key, value = part.split("=", 1)
            partitions[key.lower()] = value
    return partitions


def require_known_columns(where: str, columns: Iterable[str], present: list[str], log: Log = print) -> None:
    """A file whose header has none of the expected columns (another delimiter, another
    table) stops the reading with one message naming the file and the columns it has,
    instead of every row being rejected for a missing id. An expected column it lacks is
    logged."""
    expected = list(columns)
    if not any(name in expected for name in present):
        raise RawFileError(
            f"{where} has none of the expected columns ({', '.join(expected)}); its header reads: "
            f"{', '.join(present)}. Is it comma-separated, with a header line?"
        )
    missing = [name for name in expected if name not in present]
    if missing:
        log(f"{where} lacks the column(s) {', '.join(missing)} (read as empty); its header reads: {', '.join(present)}")


def select_list(columns: Mapping[str, str], present: Iterable[str]) -> str:
    """The expected columns as a select list: each taken from the file when present, a NULL
    of its type otherwise."""
    present = set(present)
    return ", ".join(
        quote_identifier(name) if name in present else f"cast(null as {type_}) as {quote_identifier(name)}"
        for name, type_ in columns.items()
    )


def drop_relation(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
    """Drop <schema>.<name> whether it is a view or a table (the file's format may change)."""
    found = con.execute(
        "select table_type from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    for (table_type,) in found:
        con.execute(f"drop {'view' if table_type == 'VIEW' else 'table'} {_relation(schema, name)}")


# The lines DuckDB rejected, one row per line (it may report a line several times): its
# first error by column, the fewest and most fields it found, and the line's text.
_REJECTED_LINES = rf"""
select
    line_byte_position,
    arg_min(error_type, coalesce(column_idx, 0)),
    min(try_cast(regexp_extract(error_message, '{_FOUND_FIELDS}', 1) as integer)),
    max(try_cast(regexp_extract(error_message, '{_FOUND_FIELDS}', 1) as integer)),
    arg_min(error_message, coalesce(column_idx, 0)),
    trim(any_value(csv_line), chr(10) || chr(13))
from {REJECTS_TABLE}
group by line_byte_position
"""


def record_unreadable_lines(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, file: str, shown: str, field_count: int
) -> None:
    """Add the lines of one CSV file that DuckDB rejected to <schema>.load_errors, one row
    each: the table, the file as ``shown``, the physical line number, the text and a sentence
    saying what to fix."""
    rejected = con.execute(_REJECTED_LINES).fetchall()
    if not rejected:
        return
    positions = [row[0] for row in rejected]
    if os.path.isfile(file):  # read in pieces, not whole
        with open(file, "rb") as content:
            numbers = physical_line_numbers(content, positions)
    else:  # a path only DuckDB reads
        content = con.execute("select content from read_blob(?)", [file]).fetchone()[0]
        numbers = physical_line_numbers(content, positions)
    rows = [
        (
            numbers[position],
            shown_line(error_type, csv_line, message),
            what_to_fix(error_type, *found, message, field_count),
        )
        for position, error_type, *found, message, csv_line in rejected
        if position in numbers
    ]
    con.execute(
        f"insert into {_relation(schema, 'load_errors')}"
        " select $table, $file, unnest($lines), unnest($texts), unnest($fixes)",
        {
            "table": table,
            "file": shown,
            "lines": [row[0] for row in rows],
            "texts": [row[1] for row in rows],
            "fixes": [row[2] for row in rows],
        },
    )


def physical_line_numbers(
    content: bytes | BinaryIO, positions: Iterable[int | None], piece: int = 1 << 24
) -> dict[int, int]:
    """The line an editor shows for each byte position of ``content`` (1 + the newlines before
    it: a quoted newline starts a new line, though DuckDB counts records, not lines), read
    ``piece`` bytes at a time from a binary file (so a large file is never held whole). A
    position that is NULL or before the file has no line and is left out."""
    stream = io.BytesIO(content) if isinstance(content, bytes | bytearray) else content
    numbers, line, offset = {}, 1, 0
    for position in sorted(p for p in set(positions) if p is not None and p >= 0):
        while offset < position:
            data = stream.read(min(piece, position - offset))
            if not data:
                break
            line, offset = line + data.count(b"\n"), offset + len(data)
        numbers[position] = line
    return numbers


def shown_line(error_type: str | None, csv_line: str | None, reader_message: str | None) -> str | None:
    """The text of an unreadable line, cut after 10,000 characters with its full length in
    bytes (for a line over DuckDB's limit, the length DuckDB reports)."""
    if csv_line is None:
        return None
    if error_type == "LINE SIZE OVER MAXIMUM":
        if reader_message is None:
            return None
        size = _ACTUAL_SIZE.search(reader_message)
        return f"{csv_line[:SHOWN_CHARACTERS]} ... ({size.group(1) if size else ''} bytes in all)"
    size = len(csv_line.encode("utf-8"))
    return f"{csv_line[:SHOWN_CHARACTERS]} ... ({size} bytes in all)" if size > SHOWN_CHARACTERS else csv_line


def what_to_fix(
    error_type: str | None, fewest: int | None, most: int | None, reader_message: str | None, field_count: int
) -> str | None:
    """What to fix in an unreadable line, by DuckDB's error type (its own message for another
    type); None when the line's number of fields is not known (as SQL's || with a NULL)."""
    if error_type not in _FIXES:
        return reader_message
    fields = fewest if error_type == "MISSING COLUMNS" else most
    if "{fields}" in _FIXES[error_type] and fields is None:
        return None
    return _FIXES[error_type].format(fields=fields, header=field_count)


def quote_string(value: str) -> str:
    """A SQL string literal (for SQL that keeps its values, such as a view's)."""
    return "'" + value.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    """A SQL identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


def _relation(schema: str, name: str) -> str:
    return f"{quote_identifier(schema)}.{quote_identifier(name)}"
