"""A raw table may be a folder of files (one per day, Hive-style `key=value/` folders, at any
depth) instead of one file: read as one table, it builds the same marts as the same rows in
one file, and `_raw_row_number` is the row's position in the files read in name order (so
the duplicate rule's raw order is the same too)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from dbt_runner import duckdb_marts, make_project
from handmade import AS_OF, TEL

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "handmade"
VARS = {"as_of_date": AS_OF, "churn_upload_organization_id": TEL}
FILES = 100


def _build(tmp: Path, raw: Path):
    project = make_project(tmp, raw, upload_csv=FIXTURE / "upload.csv")
    project.build(vars=VARS)
    return project


def _split(raw: Path, fmt: str) -> int:
    """transactions.csv becomes FILES files of consecutive rows under date=YYYY-MM-DD/ folders
    (one day each, so name order is the file's order); CSV files alternate the column order
    and some carry an extra column; one more file is empty and one only a header."""
    with duckdb.connect() as con:
        con.execute(
            f"create table t as select *, row_number() over () as n from read_csv('{raw / 'transactions.csv'}', "
            "all_varchar = true, header = true)"
        )
        rows = con.execute("select count(*) from t").fetchone()[0]
        columns = [c for c in con.execute("describe t").fetchall() if c[0] != "n"]
        names = [c[0] for c in columns]
        folder = raw / "transactions"
        for i in range(FILES):
            day = folder / f"date={dt.date(2026, 1, 1) + dt.timedelta(days=i)}"
            day.mkdir(parents=True)
            lo, hi = i * rows // FILES, (i + 1) * rows // FILES
            order = names if i % 2 == 0 else list(reversed(names))
            extra = ", 'x' as exported_by" if i % 3 == 0 else ""
            select = f"select {', '.join(order)}{extra} from t where n > {lo} and n <= {hi} order by n"
            target = day / f"part-0.{fmt}"
            con.execute(f"copy ({select}) to '{target}' " + ("(format parquet)" if fmt == "parquet" else "(header)"))
        (folder / "date=2026-12-30").mkdir()
        (folder / "date=2026-12-30" / f"empty.{fmt}").write_bytes(b"")
        if fmt == "csv":
            (folder / "date=2026-12-31").mkdir()
            (folder / "date=2026-12-31" / "header.csv").write_text(",".join(names) + "\n")
    (raw / "transactions.csv").unlink()
    return rows


@pytest.fixture(scope="module")
def one_file(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("one_file")
    shutil.copytree(FIXTURE, tmp / "raw", ignore=shutil.ignore_patterns("upload.csv"))
    return _build(tmp, tmp / "raw")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_folder_of_files_builds_the_same_marts_as_one_file(tmp_path, one_file, fmt):
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURE, raw, ignore=shutil.ignore_patterns("upload.csv"))
    rows = _split(raw, fmt)
    assert len(list((raw / "transactions").glob(f"date=*/*.{fmt}"))) >= FILES
    folder = _build(tmp_path, raw)
    raw_columns = (
        "transaction_id, customer_id, occurred_at, transaction_type, amount, quantity, category, "
        "discount_amount, _raw_row_number"
    )
    single = one_file.query(f"select {raw_columns} from raw.transactions order by _raw_row_number")
    assert len(single) == rows and [r["_raw_row_number"] for r in single] == list(range(1, rows + 1))
    assert folder.query(f"select {raw_columns} from raw.transactions order by _raw_row_number") == single
    # the duplicate rule sees the same raw order: the same copies are rejected
    duplicates = "select transaction_id, _raw_row_number from intermediate.int_transactions_later_copies order by all"
    assert one_file.query(duplicates) and folder.query(duplicates) == one_file.query(duplicates)
    expected, got = duckdb_marts(one_file), duckdb_marts(folder)
    assert sorted(got) == sorted(expected)
    for table in expected:
        assert got[table] == expected[table], table
    assert sum(len(v) for v in expected.values()) > 300  # the comparison covers many rows


def test_a_file_and_a_folder_for_one_table_stop_the_build(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURE, raw, ignore=shutil.ignore_patterns("upload.csv"))
    (raw / "transactions" / "date=2026-01-01").mkdir(parents=True)
    shutil.copy(raw / "transactions.csv", raw / "transactions" / "date=2026-01-01" / "part-0.csv")
    project = make_project(tmp_path, raw, upload_csv=FIXTURE / "upload.csv")
    proc = project.build(vars=VARS, check=False)
    assert proc.returncode != 0
    assert "raw table transactions is both a file" in proc.stdout and "keep one of them" in proc.stdout, proc.stdout[
        -2000:
    ]
