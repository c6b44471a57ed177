"""retention_tools.raw_files reads the raw files as the Jinja reader does (the on-run-start hook
register_raw_sources in macros/engine/raw_sources.sql, run by `dbt run-operation
read_raw_files`): for raw directories with every kind of input it accepts, both readers give
the same relations in schema raw (views for Parquet, tables for CSV, empty tables for missing
files, load_errors) with the same columns, types and rows, and log the same messages; what
the Jinja reader refuses, the Python one refuses with the same message. Then the pieces: the
header of a CSV file, the line numbers of unreadable lines, the key=value folders."""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from conftest import generate
from retention_tools.load_raw import read_raw_dir
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


def generated_csv(raw: Path) -> Path:
    """A generated data set with bad rows, as CSV; transactions as a folder of 100 CSV files in
    date=... folders (test_raw_folders: columns in either order, extra columns, an empty and
    a header-only file) with an unreadable line in one of them; organizations as two CSV files
    in org_type=... folders, one without the column org_type (its folder fills it), one with
    it; customer_features a file of only a header."""
    generate(raw, "--customers", "300", "--bad", "--format", "csv")
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
        con.execute(f"copy (select organization_id, name from o where n <= 4 order by n) to '{first}' (header)")
        con.execute(
            f"copy (select org_type, name, organization_id from o where n > 4 order by n) to '{second}' (header)"
        )
    (raw / "organizations.csv").unlink()
    (raw / "customer_features.csv").write_text(",".join(raw_table_columns()["customer_features"]) + "\n")
    return raw


def generated_parquet(raw: Path) -> Path:
    """A generated data set with bad rows, as Parquet; transactions as a folder of 100 Parquet
    files in date=... folders (test_raw_folders); organizations as two files in org_type=...
    folders that fill the column; customers as two files, the second without external_id;
    churn_predictions both as .parquet and .csv (Parquet is read); customer_features one
    file with a column name in capitals and most columns missing."""
    generate(raw, "--customers", "300", "--bad", "--format", "parquet")
    with duckdb.connect() as con:
        con.execute(f"copy (from '{raw}/transactions.parquet') to '{raw}/transactions.csv' (header)")
        (raw / "transactions.parquet").unlink()
        _split(raw, "parquet")
        day = raw / "transactions" / "date=2026-01-05"
        (day / "part-0.parquet").rename(day / "part-0 'q'.parquet")  # a quote in a view's file list
        for number, org_type in enumerate(("telecom", "banking")):
            folder = raw / "organizations" / f"org_type={org_type}"
            folder.mkdir(parents=True)
            con.execute(
                f"copy (select organization_id, name from '{raw}/organizations.parquet' "
                f"order by organization_id limit 4 offset {4 * number}) to '{folder}/part-{number}.parquet'"
            )
        (raw / "organizations.parquet").unlink()
        (raw / "customers").mkdir()
        customers = f"'{raw}/customers.parquet'"
        con.execute(f"copy (from {customers} limit 500) to '{raw}/customers/part-0.parquet'")
        con.execute(
            f"copy (select * exclude (external_id) from {customers} offset 500) to '{raw}/customers/part-1.parquet'"
        )
        (raw / "customers.parquet").unlink()
        con.execute(f"copy (from '{raw}/churn_predictions.parquet') to '{raw}/churn_predictions.csv' (header)")
        con.execute(
            'copy (select customer_id, 3.5 as recency_days, 2 as "Monetary" from '
            f"'{raw}/churn_predictions.parquet') to '{raw}/customer_features.parquet'"
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


READ = {"broken lines": broken_lines, "generated csv": generated_csv, "generated parquet": generated_parquet}
REFUSED = {
    "file and folder": file_and_folder,
    "mixed folder": mixed_folder,
    "semicolons": semicolons,
    "parquet without columns": parquet_without_columns,
}
# Two dbt processes at a time, each reading its cases in turn (the first case of each is
# quick to build, so that both start at once).
LANES = [
    ["broken lines", "generated parquet", "mixed folder", "parquet without columns"],
    ["semicolons", "generated csv", "file and folder"],
]


@dataclass
class JinjaRead:
    """What the Jinja reader made of a raw directory: its database, or its error message; the
    messages it logged."""

    raw_dir: Path
    database: Path | None = None
    error: str | None = None
    logged: list[str] = field(default_factory=list)


def _read_with_dbt(raw_dir: Path, workdir: Path, name: str) -> JinjaRead:
    """`dbt run-operation read_raw_files` on ``raw_dir``; ``workdir`` is reused so that dbt
    parses the project once (its database and log are removed first)."""
    for stale in ("reader.duckdb", "reader.duckdb.wal", "logs/dbt.log"):
        (workdir / stale).unlink(missing_ok=True)
    try:
        database = read_raw_dir(raw_dir, workdir)
    except SystemExit as exc:
        # dbt prints the macro's message on the line after "Compilation Error in macro ..."
        found = re.search(r"Compilation Error in macro [^\n]*\n  ([^\n]*)", str(exc))
        return JinjaRead(raw_dir, error=found.group(1) if found else str(exc))
    logged = re.findall(
        r"\[info \] \[MainThread\]: (.*(?:: no file in |lacks the column\(s\)).*)$",
        (workdir / "logs" / "dbt.log").read_text(),
        re.M,
    )
    return JinjaRead(raw_dir, database=database.rename(workdir.parent / f"{name}.duckdb"), logged=logged)


@pytest.fixture(scope="module")
def jinja(tmp_path_factory) -> dict[str, JinjaRead]:
    """Every case built (under a plain name, then renamed to one with a space and quotes) and
    read by the Jinja reader."""
    tmp = tmp_path_factory.mktemp("raw_files")
    builders = {**READ, **REFUSED}
    assert sorted(builders) == sorted(name for lane in LANES for name in lane)

    def run_lane(number: int) -> dict[str, JinjaRead]:
        workdir = tmp / f"dbt-{number}"
        workdir.mkdir()
        read = {}
        for name in LANES[number]:
            raw = builders[name](tmp / name.replace(" ", "_")).rename(tmp / f"{name} 'raw'")
            read[name] = _read_with_dbt(raw, workdir, name.replace(" ", "_"))
        return read

    with ThreadPoolExecutor(len(LANES)) as pool:
        return {name: read for lane in pool.map(run_lane, range(len(LANES))) for name, read in lane.items()}


def _read_with_python(raw_dir: Path, database: Path) -> list[str]:
    """register_raw_tables on ``raw_dir`` into ``database`` with the DuckDB target's settings;
    returns the messages it logged."""
    logged: list[str] = []
    with duckdb.connect(str(database)) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set preserve_insertion_order = false")
        register_raw_tables(con, str(raw_dir), log=logged.append)
        assert con.execute("select current_setting('preserve_insertion_order')").fetchone()[0] is False
    return logged


def _relations(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, tuple]:
    """The relations of schema raw of ``catalog``: {name: (type, [(column, data type), ...])}."""
    found = con.execute(
        "select table_name, table_type from information_schema.tables"
        " where table_catalog = ? and table_schema = 'raw' order by 1",
        [catalog],
    ).fetchall()
    return {
        name: (
            kind,
            con.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_catalog = ? and table_schema = 'raw' and table_name = ? order by ordinal_position",
                [catalog, name],
            ).fetchall(),
        )
        for name, kind in found
    }


def _differences(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple]:
    """Rows of ``relation`` that one reader has (as often) and the other has not, at most 5."""
    only = "select '{0}' as reader, * from (from {0}.raw.{1} except all from {2}.raw.{1})"
    return con.execute(
        f"{only.format('j', relation, 'p')} union all {only.format('p', relation, 'j')} limit 5"
    ).fetchall()


@pytest.mark.parametrize("case", list(READ))
def test_the_same_relations_rows_and_messages_as_the_jinja_reader(jinja, tmp_path, case):
    read = jinja[case]
    assert read.error is None, read.error
    logged = _read_with_python(read.raw_dir, tmp_path / "python.duckdb")
    assert logged == read.logged
    with duckdb.connect() as con:
        con.execute("attach ? as j (read_only)", [str(read.database)])
        con.execute("attach ? as p (read_only)", [str(tmp_path / "python.duckdb")])
        expected = _relations(con, "j")
        assert sorted(expected) == sorted([*raw_table_columns(), "load_errors"])
        assert _relations(con, "p") == expected
        for relation in expected:
            counts = [con.execute(f"select count(*) from {reader}.raw.{relation}").fetchone()[0] for reader in "jp"]
            assert counts[0] == counts[1] and _differences(con, relation) == [], relation
        errors = con.execute("select source_table, file, error_message from j.raw.load_errors").fetchall()
    _assert_case_covers(case, {name: kind for name, (kind, _) in expected.items()}, errors, logged)


def _assert_case_covers(case: str, kinds: dict[str, str], errors: list[tuple], logged: list[str]) -> None:
    """The case exercises what it is meant to: unreadable lines of each kind, views, messages."""
    if case == "broken lines":
        fixes = {table: " ".join(e[2] for e in errors if e[0] == table) for table, _, _ in errors}
        for phrase in ("has 10 fields where the header has 8", "has 5 fields", "UTF-8", "is not closed", "2,000,000"):
            assert phrase in fixes["transactions"], phrase
        for phrase in ("has 3 fields where the header has 9", "has 12 fields", "is not closed"):
            assert phrase in fixes["customer_features"], phrase
        assert [m for m in logged if "customer_features.csv lacks the column(s) monetary, engagement," in m]
    elif case == "generated csv":
        assert [e[:2] for e in errors] == [("transactions", BROKEN_CSV)]
        assert set(kinds.values()) == {"BASE TABLE"}
        assert [m for m in logged if "raw table" not in m] == []  # org_type comes from the folders
    else:
        assert [name for name, kind in kinds.items() if kind == "BASE TABLE"] == ["load_errors"]
        assert errors == []
        assert [m for m in logged if "customer_features.parquet lacks the column(s) frequency" in m]


@pytest.mark.parametrize("case", list(REFUSED))
def test_refuses_what_the_jinja_reader_refuses_with_its_message(jinja, tmp_path, case):
    read = jinja[case]
    assert read.database is None and read.error
    with pytest.raises(RawFileError) as refused:
        _read_with_python(read.raw_dir, tmp_path / "python.duckdb")
    assert str(refused.value) == read.error


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
    """The Jinja reader stops on it with a Python error (`expected string or bytes-like
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
