"""Broken raw files never fail the build and never lose rows silently: unreadable CSV lines,
short and long lines, non-finite and huge numbers, time-zone offsets and blank types; input
too broken to use stops the build with one message (the data-quality gate)."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from dbt_runner import make_project

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "handmade"
TEL = "7e1e0000-0000-4000-8000-00000000000a"
T1 = "a1000000-0000-4000-8000-000000000001"

EXTRA_LINES = (
    f"X-LONG,{T1},2026-05-01 10:00:00,call,,1,,,extra,extra2\n"    # extra fields are ignored
    f"X-SHORT,{T1},2026-05-01 10:00:00\n"                          # padded: no type -> unknown
    f"X-BLANK-TYPE,{T1},2026-05-01 10:00:00,  ,,1,,\n"             # blank type -> unknown
    f"X-NAN,{T1},2026-05-02 10:00:00,topup,NaN,,,\n"               # not finite -> rejected
    f"X-INF,{T1},2026-05-02 11:00:00,topup,inf,,,\n"
    f"X-HUGE,{T1},2026-05-02 12:00:00,topup,99999999999999999,,,\n"
    f"X-TZ,{T1},2026-05-31T23:30:00-05:00,call,,1,,\n"              # = 2026-06-01 04:30 UTC
    f'X-QUOTE,{T1},2026-05-03 10:00:00,purchase,5,1,"Café ""Noël"" \\ mix",\n'  # rejected: not telecom
).encode() + f"X-UTF8,{T1},2026-05-01 10:00:00,c".encode() + b"\xff" + b"all,,1,,\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad_files")
    raw = tmp / "raw"
    shutil.copytree(FIXTURE, raw, ignore=shutil.ignore_patterns("upload.csv"))
    with open(raw / "transactions.csv", "ab") as f:
        f.write(EXTRA_LINES)
    (raw / "churn_predictions.csv").write_bytes(b"")  # an empty file is an empty table
    project = make_project(tmp, raw, upload_csv=FIXTURE / "upload.csv")
    project.build(vars={"as_of_date": "2026-06-01", "churn_upload_organization_id": TEL})
    return project


def transaction(project, transaction_id: str) -> dict:
    rows = project.query(
        f"select * from intermediate.int_transactions_validated where transaction_id = '{transaction_id}'")
    assert len(rows) == 1, transaction_id
    return rows[0]


def test_unreadable_line_is_a_reject_with_the_line(built):
    rejects = built.query(
        "select source_table, reason_code, reason, raw_record from marts.data_quality_rejects "
        "where reason_code = 'unreadable_line'")
    assert len(rejects) == 1
    assert rejects[0]["source_table"] == "transactions"
    assert "X-UTF8" in rejects[0]["raw_record"] and "utf-8" in rejects[0]["reason"]


def test_short_long_and_blank_type_lines(built):
    assert transaction(built, "X-LONG")["reject_reason_code"] is None
    assert transaction(built, "X-SHORT")["reject_reason_code"] == "unknown_transaction_type"
    assert transaction(built, "X-BLANK-TYPE")["reject_reason_code"] == "unknown_transaction_type"


def test_non_finite_amounts_are_rejected_and_huge_ones_do_not_break_sums(built):
    for transaction_id, text in (("X-NAN", "NaN"), ("X-INF", "inf")):
        row = transaction(built, transaction_id)
        assert row["reject_reason_code"] == "invalid_amount", transaction_id
        assert f"amount '{text}' of transaction {transaction_id} is not a finite number" in row["reject_reason"]
    assert transaction(built, "X-HUGE")["amount"] == 99999999999999999.0
    row = built.query(f"select monetary, monetary_score from marts.customer_segments where customer_id = '{T1}'")[0]
    # CUST_001's 200.00 of bill payments plus the huge top-up (NaN and inf are not events).
    assert row["monetary"] == pytest.approx(99999999999999999.0 + 200.0)
    assert row["monetary_score"] == 100.0


def test_offsets_convert_to_utc(built):
    assert transaction(built, "X-TZ")["occurred_at"] == dt.datetime(2026, 6, 1, 4, 30)


def test_empty_file_is_an_empty_table(built):
    assert built.query("select count(*) as n from raw.churn_predictions")[0]["n"] == 0
    assert built.query(
        "select count(*) as n from marts.customer_segments where churn_score_source = 'churn_prediction'")[0]["n"] == 0


def test_json_text_survives_quotes_backslashes_and_accents(built):
    import json
    row = built.query(
        "select reason_code, raw_record from marts.data_quality_rejects where record_id = 'X-QUOTE'")[0]
    assert row["reason_code"] == "unknown_transaction_type"
    assert json.loads(row["raw_record"])["category"] == 'Café "Noël" \\ mix'


def test_no_transactions_stops_the_build_unless_the_gate_is_relaxed(tmp_path):
    """No transactions at all: the data-quality gate stops the build with one message naming
    the table. With var data_quality_gate false every mart builds: customers are segmented
    with no activity, every customer is a behaviour error and no CLV model is fitted."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("organizations.csv", "customers.csv"):
        shutil.copy(FIXTURE / name, raw / name)
    project = make_project(tmp_path, raw, upload_csv="customer_id,churn_score\n")
    proc = project.build(vars={"as_of_date": "2026-06-01"}, check=False)
    assert proc.returncode != 0
    assert ("Data-quality gate: the input is too broken to build on. transactions has no rows: it is required"
            in proc.stdout), proc.stdout[-3000:]
    assert "History not written" in proc.stdout

    project.build(vars={"as_of_date": "2026-06-01", "data_quality_gate": False})
    segments = project.query("select count(*) as n, max(frequency) as f from marts.customer_segments")[0]
    assert segments["n"] > 0 and segments["f"] == 0
    runs = project.query("select sum(analyzed) as analysed, sum(error_count) as errors from marts.behavior_run_summary")[0]
    assert runs["analysed"] == 0 and runs["errors"] == segments["n"]
    # no customer with a value event: no model to fit, nothing to backtest
    assert project.query("select count(*) as n from marts.clv_model_params")[0]["n"] == 0
    assert project.query("select count(*) as n from marts.churn_backtest")[0]["n"] == 0
    assert project.query("select count(*) as n from marts.customer_lifetime_value")[0]["n"] == 0


@pytest.mark.parametrize("case", ["nowhere", "all_rejected", "header_only", "semicolons"])
def test_broken_input_stops_the_build_and_a_scheduled_run_publishes_nothing(tmp_path, case):
    """RAW_DATA_DIR pointing nowhere, every transaction rejected (occurred_at as an integer
    epoch), a required table that is a header without rows: the build fails with the gate's
    message naming the table (share and most common reason when rows were rejected). A file
    with another delimiter fails once, naming the file and the header it has. Nothing is
    published and no history is written."""
    import subprocess
    import sys
    from dbt_runner import PROJECT_ROOT
    raw, events = tmp_path / "raw", len((FIXTURE / "transactions.csv").read_text().splitlines()) - 1
    if case != "nowhere":
        shutil.copytree(FIXTURE, raw, ignore=shutil.ignore_patterns("upload.csv"))
    if case == "all_rejected":
        lines = (raw / "transactions.csv").read_text().splitlines()
        epoch = [",".join(f[:2] + ["1767225600"] + f[3:]) for f in (line.split(",") for line in lines[1:])]
        (raw / "transactions.csv").write_text("\n".join([lines[0], *epoch]) + "\n")
    if case == "header_only":
        (raw / "customers.csv").write_text((FIXTURE / "customers.csv").read_text().splitlines()[0] + "\n")
    if case == "semicolons":
        (raw / "transactions.csv").write_text((FIXTURE / "transactions.csv").read_text().replace(",", ";"))
    project = make_project(tmp_path, raw, upload_csv=FIXTURE / "upload.csv")
    published = tmp_path / "published.duckdb"
    proc = subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "scheduled_run.py"),
                           "--project-dir", str(project.root), "--as-of-date", "2026-06-01", "--quiet"],
                          cwd=project.root, env={**project.env(), "RETENTION_PUBLISHED_PATH": str(published)},
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "nothing was published" in proc.stderr
    expected = {
        "nowhere": "organizations has no rows: it is required",
        "all_rejected": f"transactions: {events} of {events} rows rejected (100.0%), more than var max_reject_share (0.5); "
                        "most common reason: invalid_occurred_at",
        "header_only": "customers has no rows: it is required",
        "semicolons": "transactions.csv has none of the expected columns (transaction_id, customer_id, occurred_at, "
                      "transaction_type, amount, quantity, category, discount_amount); its header reads: "
                      "transaction_id;customer_id;occurred_at;",
    }[case]
    if case != "semicolons":
        assert "Data-quality gate: the input is too broken to build on." in proc.stderr, proc.stderr[-3000:]
    assert expected in proc.stderr, proc.stderr[-3000:]
    assert not published.exists()
    history = project.query("select count(*) as n from information_schema.tables where table_name = 'history_runs'")
    assert history[0]["n"] == 0 or project.query("select count(*) as n from marts.history_runs")[0]["n"] == 0


def test_load_raw_names_a_file_without_any_expected_column(tmp_path):
    """scripts/load_raw.py (PostgreSQL and Spark) stops on such a file with the same message."""
    import sys
    import duckdb
    from dbt_runner import PROJECT_ROOT
    sys.path.insert(0, str(PROJECT_ROOT / "scripts"))
    from load_raw import raw_table_columns, read_table
    (tmp_path / "transactions.csv").write_text("transaction_id;customer_id\nT1;C1\n")
    with duckdb.connect() as con, pytest.raises(SystemExit, match="transactions.csv has none of the expected columns"):
        read_table(con, tmp_path, "transactions", raw_table_columns()["transactions"])
