"""retention_tools.raw_files reads the raw files as the Jinja reader it replaced did (the
on-run-start hook register_raw_sources of macros/engine/raw_sources.sql, deleted when the
profile's dbt-duckdb plugin took its place). For raw directories with every kind of input the
reader accepts, built from the hand-made fixture, fixtures/raw_files/<case>.json holds what
the Jinja reader made of them, recorded by `dbt run-operation read_raw_files` before it was
deleted: the relations of schema raw (views for Parquet, tables for CSV, empty tables for
missing files, load_errors) with their columns, types, row counts and a digest of their rows,
the unreadable lines and the messages it logged; for what it refused, its message. The Python
reader gives exactly that (a deliberate change of what it reads changes these files, with its
reason in the commit). Then the pieces: the header of a CSV file, the line numbers of
unreadable lines, the key=value folders; the reader on its own; and through dbt, the profile's
plugin: which commands read, with which vars, and a profile without it."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from dbt_runner import make_project
from retention_tools.project_vars import raw_table_columns
from retention_tools.raw_files import (
    RawFileError,
    hive_partitions,
    parse_csv_header,
    physical_line_numbers,
    register_raw_tables,
    shown_line,
    what_to_fix,
)
from test_bad_files import write_bad_raw_dir
from test_raw_folders import _split

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "handmade"
# What the Jinja reader read of each case, recorded before it was deleted (see the docstring).
EXPECTED = Path(__file__).resolve().parent / "fixtures" / "raw_files"
# A customer_features.csv of odd headers and unreadable lines: its header has a name in
# capitals, one in spaces, quoted names (one with a quote, one with a comma), a blank and a
# repeated name, an extra column, and lacks most expected columns; a quoted newline before a
# line of too few fields, a long line of too many fields (multi-byte characters, so bytes and
# characters differ), and a quote never closed, which takes the rest of the file.
FEATURES_CSV = (
    'Customer_ID,"recency_days",frequency,,FREQUENCY,"mon""etary","a,b", calculated_at ,extra\n'
    "C1,1,2,3,4,5,6,2026-01-01,x\n"
    'C2,"1,5","two\nlines",,,,,2026-01-02,\n'
    "C3,1,2\n"
    "C4," + "é" * 6_000 + ",2,3,4,5,6,7,8,9,10,11\n"
    "C5,1,2,3,4,5,6,2026-01-05,\n"
    "\n"
    'C6,"never closed,2,3,4,5,6,2026-01-06,\n'
    "C7,1,2,3,4,5,6,2026-01-07,\n"
)


# The CSV file of a folder with an unreadable line (and a quote in its name).
BROKEN_CSV = "transactions/date=2026-01-05/part-0 'b'.csv"


def broken_lines(raw: Path) -> Path:
    """The hand-made fixture with test_bad_files' broken lines (unclosed and misplaced quotes,
    too many and too few fields, invalid UTF-8, a BOM, CRLF, quoted newlines, a line over
    2,000,000 bytes, an empty file, columns in another order, an extra column) and
    FEATURES_CSV."""
    write_bad_raw_dir(raw)
    (raw / "customer_features.csv").write_text(FEATURES_CSV)
    return raw


def csv_folders(raw: Path) -> Path:
    """The hand-made fixture as CSV folders: transactions as 100 CSV files in date=... folders
    (test_raw_folders: columns in either order, extra columns, an empty and a header-only
    file) with an unreadable line in one of them; organizations as two CSV files in
    org_type=... folders, one without the column org_type (its folder fills it), one with it
    (its own values win); customer_features a file of only a header."""
    shutil.copytree(FIXTURE, raw, ignore=shutil.ignore_patterns("upload.csv"))
    _split(raw, "csv")
    broken = (raw / "transactions" / "date=2026-01-05" / "part-0.csv").rename(raw / BROKEN_CSV)
    with open(broken, "a") as f:
        f.write('TXN_broken,"never closed\n')
    first = raw / "organizations" / "org_type=telecom" / "part-0.csv"
    second = raw / "organizations" / "org_type=other" / "Region=EU" / "part-1.csv"
    for path in (first, second):
        path.parent.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            f"create table o as select *, row_number() over () as n from read_csv('{raw}/organizations.csv', "
            "all_varchar = true, header = true)"
        )
        con.execute(f"copy (select organization_id, name from o where n <= 3 order by n) to '{first}' (header)")
        con.execute(
            f"copy (select org_type, name, organization_id from o where n > 3 order by n) to '{second}' (header)"
        )
    (raw / "organizations.csv").unlink()
    (raw / "customer_features.csv").write_text(",".join(raw_table_columns()["customer_features"]) + "\n")
    return raw


def parquet_folders(raw: Path) -> Path:
    """The hand-made fixture as Parquet: transactions as a folder of 100 Parquet files in
    date=... folders (test_raw_folders), one with a quote in its name; organizations as two
    files in org_type=... folders that fill the column; customers as two files of typed
    columns, the second without external_id; churn_predictions both as .parquet (typed) and
    .csv (Parquet is read); customer_features one file with a column name in capitals and
    most columns missing."""
    shutil.copytree(FIXTURE, raw, ignore=shutil.ignore_patterns("upload.csv"))
    _split(raw, "parquet")
    day = raw / "transactions" / "date=2026-01-05"
    (day / "part-0.parquet").rename(day / "part-0 'q'.parquet")  # a quote in a view's file list
    with duckdb.connect() as con:
        for table in ("organizations", "customers", "churn_predictions"):
            con.execute(
                f"create table {table} as select *, row_number() over () as n from "
                f"read_csv('{raw}/{table}.csv', all_varchar = true, header = true)"
            )
        for number, org_type in enumerate(("telecom", "banking")):
            folder = raw / "organizations" / f"org_type={org_type}"
            folder.mkdir(parents=True)
            con.execute(
                f"copy (select organization_id, name from organizations where n > {3 * number} "
                f"and n <= {3 * number + 3} order by n) to '{folder}/part-{number}.parquet'"
            )
        (raw / "organizations.csv").unlink()
        (raw / "customers").mkdir()
        con.execute(
            "create table typed as select n, customer_id, organization_id, external_id, try_cast(signup_date as date)"
            " as signup_date, try_cast(plan_allowance_mb as double) as plan_allowance_mb from customers"
        )
        con.execute(
            f"copy (select * exclude (n) from typed where n <= 20 order by n) to '{raw}/customers/part-0.parquet'"
        )
        con.execute(
            "copy (select * exclude (n, external_id) from typed where n > 20 order by n) "
            f"to '{raw}/customers/part-1.parquet'"
        )
        (raw / "customers.csv").unlink()
        con.execute(
            "copy (select customer_id, try_cast(churn_probability as double) as churn_probability,"
            " try_cast(predicted_at as timestamp) as predicted_at from churn_predictions order by n)"
            f" to '{raw}/churn_predictions.parquet'"
        )
        con.execute(
            'copy (select customer_id, 3.5 as recency_days, 2 as "Monetary" from churn_predictions order by n)'
            f" to '{raw}/customer_features.parquet'"
        )
    return raw


def file_and_folder(raw: Path) -> Path:
    """transactions both as a file and as a folder (test_raw_folders)."""
    shutil.copytree(FIXTURE, raw, ignore=shutil.ignore_patterns("upload.csv"))
    (raw / "transactions" / "date=2026-01-01").mkdir(parents=True)
    shutil.copy(raw / "transactions.csv", raw / "transactions" / "date=2026-01-01" / "part-0.csv")
    return raw


def mixed_folder(raw: Path) -> Path:
    """A folder of organizations holding a CSV and a Parquet file."""
    (raw / "organizations" / "a").mkdir(parents=True)
    shutil.copy(FIXTURE / "organizations.csv", raw / "organizations" / "a" / "part-0.csv")
    with duckdb.connect() as con:
        con.execute(f"copy (from '{FIXTURE}/organizations.csv') to '{raw}/organizations/part-1.parquet'")
    return raw


def semicolons(raw: Path) -> Path:
    """transactions.csv with another delimiter (test_bad_files)."""
    raw.mkdir()
    (raw / "transactions.csv").write_text((FIXTURE / "transactions.csv").read_text().replace(",", ";"))
    return raw


def parquet_without_columns(raw: Path) -> Path:
    """A folder of Parquet files (in key=value folders) without any expected column."""
    with duckdb.connect() as con:
        for number in (1, 2):
            (raw / "customers" / f"batch={number}").mkdir(parents=True)
            con.execute(f"copy (select {number} as id, 'x' as label) to '{raw}/customers/batch={number}/p.parquet'")
    return raw


READ = {"broken lines": broken_lines, "csv folders": csv_folders, "parquet folders": parquet_folders}
REFUSED = {
    "file and folder": file_and_folder,
    "mixed folder": mixed_folder,
    "semicolons": semicolons,
    "parquet without columns": parquet_without_columns,
}


def _build_case(tmp: Path, name: str) -> Path:
    """The case's raw directory, built under a plain name and renamed to one with a space and
    quotes (in every path the reader writes into SQL or messages)."""
    return {**READ, **REFUSED}[name](tmp / name.replace(" ", "_")).rename(tmp / f"{name} 'raw'")


def _expected(case: str) -> dict:
    return json.loads((EXPECTED / f"{case.replace(' ', '_')}.json").read_text())


def _summary(con: duckdb.DuckDBPyConnection, raw_dir: Path, logged: list[str]) -> dict:
    """What a reader made of ``raw_dir``: per relation of schema raw its type, columns with
    their types, row count and a digest of its rows (in any order); the rows of load_errors
    (long lines shortened: the digest holds them whole); the messages logged. The raw
    directory is written {raw}."""
    relations = {}
    for name, kind in con.execute(
        "select table_name, table_type from information_schema.tables where table_schema = 'raw' order by 1"
    ).fetchall():
        columns = con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'raw' and table_name = ? order by ordinal_position",
            [name],
        ).fetchall()
        rows = sorted(repr(row) for row in con.execute(f'select * from raw."{name}"').fetchall())
        digest = hashlib.sha256("\n".join(rows).encode("utf-8", "surrogateescape")).hexdigest()
        relations[name] = {
            "type": kind,
            "columns": [f"{c} {t}" for c, t in columns],
            "rows": len(rows),
            "digest": digest,
        }
    errors = con.execute(
        "select source_table, file, line, csv_line, error_message from raw.load_errors order by all"
    ).fetchall()
    return {
        "relations": relations,
        "load_errors": [[table, file, line, _shortened(text), fix] for table, file, line, text, fix in errors],
        "logged": [message.replace(str(raw_dir), "{raw}") for message in logged],
    }


def _shortened(text: str | None) -> str | None:
    return text if text is None or len(text) <= 100 else f"{text[:100]} ... [{len(text)} characters]"


def _read_with_python(raw_dir: Path, database: Path) -> dict:
    """register_raw_tables on ``raw_dir`` into ``database`` with the DuckDB target's settings;
    returns its summary."""
    logged: list[str] = []
    with duckdb.connect(str(database)) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set preserve_insertion_order = false")
        register_raw_tables(con, str(raw_dir), log=logged.append)
        assert con.execute("select current_setting('preserve_insertion_order')").fetchone()[0] is False
        return _summary(con, raw_dir, logged)


@pytest.mark.parametrize("case", list(READ))
def test_reads_the_relations_rows_and_messages_the_jinja_reader_read(tmp_path, case):
    expected = _expected(case)
    got = _read_with_python(_build_case(tmp_path, case), tmp_path / "python.duckdb")
    assert sorted(got["relations"]) == sorted([*raw_table_columns(), "load_errors"])
    assert got == expected, json.dumps(got, indent=1, ensure_ascii=False)
    kinds = {name: relation["type"] for name, relation in got["relations"].items()}
    _assert_case_covers(case, kinds, got["load_errors"], got["logged"])


def _assert_case_covers(case: str, kinds: dict[str, str], errors: list[list], logged: list[str]) -> None:
    """The case exercises what it is meant to: unreadable lines of each kind, views, messages."""
    if case == "broken lines":
        fixes = {table: " ".join(e[4] for e in errors if e[0] == table) for table, *_ in errors}
        for phrase in ("has 10 fields where the header has 8", "has 5 fields", "UTF-8", "is not closed", "2,000,000"):
            assert phrase in fixes["transactions"], phrase
        for phrase in ("has 3 fields where the header has 9", "has 12 fields", "is not closed"):
            assert phrase in fixes["customer_features"], phrase
        assert [m for m in logged if "customer_features.csv lacks the column(s) monetary, engagement," in m]
        assert "raw table churn_predictions: no file in {raw}, using an empty table" in logged  # a 0-byte file
    elif case == "csv folders":
        assert [e[:2] for e in errors] == [["transactions", BROKEN_CSV]]
        assert set(kinds.values()) == {"BASE TABLE"}
        assert logged == []  # org_type comes from the folders
    else:
        assert [name for name, kind in kinds.items() if kind == "BASE TABLE"] == ["load_errors"]
        assert errors == []
        assert [m for m in logged if "customer_features.parquet lacks the column(s) frequency" in m]


@pytest.mark.parametrize("case", list(REFUSED))
def test_refuses_what_the_jinja_reader_refused_with_its_message(tmp_path, case):
    raw_dir = _build_case(tmp_path, case)
    with pytest.raises(RawFileError) as refused:
        _read_with_python(raw_dir, tmp_path / "python.duckdb")
    assert str(refused.value).replace(str(raw_dir), "{raw}") == _expected(case)["refused"]


# --- the pieces ----------------------------------------------------------------------------


def test_a_header_is_split_on_commas_outside_quotes_first_name_winning():
    assert parse_csv_header('Customer_ID,"a,b","say ""hi""", Name ,,name,"",x') == [
        "customer_id",
        "a,b",
        'say "hi"',
        "name",
        "column 5",  # blank
        "column 6",  # repeated
        "column 7",  # blank, quoted
        "x",
    ]
    assert parse_csv_header("a,b,") == ["a", "b", "column 3"]
    assert parse_csv_header("a;b") == ["a;b"]
    # a file without lines, or whose first line is empty
    assert parse_csv_header("") == parse_csv_header(None) == ["column 1"]


def test_line_numbers_are_the_lines_an_editor_shows():
    content = b'id,text\r\n1,"two\nlines"\r\n2,"x\\"\n\n3,\xff\n4'
    starts = {text: content.index(text) for text in (b"1,", b"2,", b"3,", b"4")}
    numbers = physical_line_numbers(content, [*starts.values(), 0, None, -1, starts[b"2,"]])
    assert numbers == {0: 1, starts[b"1,"]: 2, starts[b"2,"]: 4, starts[b"3,"]: 6, starts[b"4"]: 7}
    assert physical_line_numbers(content, [len(content) + 5]) == {len(content) + 5: 7}
    # a file is read a piece at a time, a piece ending anywhere (here every 3 bytes)
    assert physical_line_numbers(io.BytesIO(content), [*starts.values(), 0, None, -1], piece=3) == numbers


def test_key_value_folders_of_a_path():
    assert hive_partitions("transactions/Date=2026-01-01/extra/region=eu=west/part=1.csv") == {
        "date": "2026-01-01",
        "region": "eu=west",
    }
    assert hive_partitions("transactions.csv") == {}
    assert hive_partitions("t/a=1/A=2/f.csv") == {"a": "2"}


def test_the_text_of_an_unreadable_line_and_what_to_fix():
    assert shown_line("TOO MANY COLUMNS", "é" * 6_000, "x") == "é" * 6_000 + " ... (12000 bytes in all)"
    assert shown_line("TOO MANY COLUMNS", "a" * 10_000, None) == "a" * 10_000
    assert shown_line("LINE SIZE OVER MAXIMUM", "b" * 12_000, "Actual Size:2100072 bytes.") == (
        "b" * 10_000 + " ... (2100072 bytes in all)"
    )
    assert shown_line("LINE SIZE OVER MAXIMUM", "b", None) is None
    assert what_to_fix("MISSING COLUMNS", 3, 4, "", 8) == (
        "it has 3 fields where the header has 8 (cut off, or a delimiter missing): complete the line"
    )
    assert what_to_fix("TOO MANY COLUMNS", 9, 10, "", 8).startswith("it has 10 fields where the header has 8: ")
    assert what_to_fix("TOO MANY COLUMNS", None, None, "", 8) is None
    assert what_to_fix("CAST", None, None, "DuckDB's words", 8) == "DuckDB's words"


# --- the Python reader on its own ----------------------------------------------------------


def _handmade(raw: Path) -> Path:
    shutil.copytree(FIXTURE, raw, ignore=shutil.ignore_patterns("upload.csv"))
    return raw


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    return {
        name: (kind, con.execute(f"select count(*) from raw.{name}").fetchone()[0])
        for name, kind in con.execute(
            "select table_name, table_type from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }


def test_a_refused_file_leaves_the_raw_tables_as_they_were(tmp_path):
    raw = _handmade(tmp_path / "raw")
    with duckdb.connect() as con:
        register_raw_tables(con, raw, log=lambda message: None)
        before = _counts(con)
        assert before["transactions"] == ("BASE TABLE", 355)
        (raw / "transactions.csv").write_text("transaction_id;customer_id\nT1;C1\n")
        with pytest.raises(RawFileError, match=r"transactions.csv has none of the expected columns \(transaction_id"):
            register_raw_tables(con, raw, log=lambda message: None)
        assert _counts(con) == before
        assert con.execute("select current_setting('preserve_insertion_order')").fetchone()[0] is True


def test_reading_again_replaces_a_table_by_a_view_and_back(tmp_path):
    raw = _handmade(tmp_path / "raw")
    with duckdb.connect(str(tmp_path / "db.duckdb")) as con:
        register_raw_tables(con, raw, log=lambda message: None)
        con.execute(f"copy raw.organizations to '{raw}/organizations.parquet'")
        register_raw_tables(con, raw, log=lambda message: None)
        assert _counts(con)["organizations"] == ("VIEW", 6)
        (raw / "organizations.parquet").unlink()
        register_raw_tables(con, raw, log=lambda message: None)
    with duckdb.connect(str(tmp_path / "db.duckdb")) as con:  # committed
        assert _counts(con)["organizations"] == ("BASE TABLE", 6)


def test_a_csv_file_starting_with_an_empty_line_is_refused(tmp_path):
    """The Jinja reader stopped on it with a Python error (`expected string or bytes-like
    object`); this one names the file: its header reads as one blank name."""
    (tmp_path / "organizations.csv").write_text("\norganization_id,name,org_type\nO1,n,telecom\n")
    with duckdb.connect() as con, pytest.raises(RawFileError) as refused:
        register_raw_tables(con, tmp_path, tables={"organizations": raw_table_columns()["organizations"]})
    assert str(refused.value) == (
        f"{tmp_path}/organizations.csv has none of the expected columns (organization_id, name, org_type);"
        " its header reads: column 1. Is it comma-separated, with a header line?"
    )


def test_only_the_tables_asked_for_and_messages_to_log(tmp_path):
    raw = _handmade(tmp_path / "raw")
    logged = []
    with duckdb.connect() as con:
        register_raw_tables(
            con, str(raw) + "/", schema="landing", tables={"extra": {"id": "integer"}}, log=logged.append
        )
        assert con.execute(
            "select table_name from information_schema.tables where table_schema = 'landing' order by 1"
        ).fetchall() == [("extra",), ("load_errors",)]
        assert con.execute("describe landing.extra").fetchall()[0][:2] == ("id", "INTEGER")
    assert logged == [f"raw table extra: no file in {raw}, using an empty table"]


# --- through dbt: the DuckDB profile's plugin (retention_tools.duckdb_plugin) ----------------


def _schemas(project) -> set[str]:
    if not project.db_path.exists():
        return set()
    return {r["schema_name"] for r in project.query("select schema_name from information_schema.schemata")}


@pytest.mark.slow
def test_the_commands_that_run_hooks_read_the_raw_files_with_the_runs_vars(tmp_path):
    project = make_project(tmp_path, _handmade(tmp_path / "raw"), upload_csv=FIXTURE / "upload.csv")
    project.run("show", "--inline", "select 1 as x")  # opens the database: not a reading command
    assert "raw" not in _schemas(project)
    project.run("seed", "--select", "risk_signal_catalog", vars={"raw_from_files": False})
    assert "raw" not in _schemas(project)
    proc = project.run("seed", "--select", "risk_signal_catalog", vars={"raw_schema": "landing"})
    assert "raw" not in _schemas(project) and "landing" in _schemas(project)
    assert _counts_in(project, "landing") == {
        "organizations": ("BASE TABLE", 6),
        "customers": ("BASE TABLE", 38),
        "transactions": ("BASE TABLE", 355),
        "churn_predictions": ("BASE TABLE", 13),
        "customer_features": ("BASE TABLE", 0),
        "load_errors": ("BASE TABLE", 0),
        "churn_upload_file": ("BASE TABLE", 17),  # the upload file, read with them (churn_upload_from: file)
    }
    # the reader's messages are dbt's log lines, on the console and in logs/dbt.log
    message = f"raw table customer_features: no file in {project.raw_dir}, using an empty table"
    assert message in proc.stdout, proc.stdout[-3000:]
    assert message in (project.root / "logs" / "dbt.log").read_text()


def _counts_in(project, schema: str) -> dict[str, tuple]:
    tables = project.query(
        f"select table_name, table_type from information_schema.tables where table_schema = '{schema}'"
    )
    count = "select count(*) as n from {}.{}"
    return {
        r["table_name"]: (r["table_type"], project.query(count.format(schema, r["table_name"]))[0]["n"]) for r in tables
    }


@pytest.mark.slow
def test_a_duckdb_profile_without_the_plugin_stops_the_build(tmp_path):
    """Built from the raw tables a previous command left, it would silently use old input."""
    project = make_project(tmp_path, _handmade(tmp_path / "raw"), upload_csv=FIXTURE / "upload.csv")
    profiles = project.root / "profiles.yml"
    text = profiles.read_text()
    plugin = r"\n      module_paths: .*\n      plugins:\n        - module: retention_tools.duckdb_plugin"
    without = re.sub(plugin, "", text)
    assert without != text
    profiles.write_text(without)
    proc = project.run("seed", "--select", "risk_signal_catalog", check=False)
    assert proc.returncode != 0
    assert (
        "the raw files were not read: on DuckDB, RAW_DATA_DIR is read into raw by the dbt-duckdb plugin "
        "retention_tools.duckdb_plugin, which target duckdb of this profile lacks." in proc.stdout
    ), proc.stdout[-3000:]
    project.run("seed", "--select", "risk_signal_catalog", vars={"raw_from_files": False})  # nothing to read
