"""Broken raw files never fail the build and never lose rows silently: unreadable CSV lines,
short and long lines, non-finite and huge numbers, time-zone offsets and blank types."""
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
    f"X-NAN,{T1},2026-05-02 10:00:00,topup,NaN,,,\n"               # not finite -> NULL amount
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


def test_non_finite_amounts_read_as_missing_and_huge_ones_do_not_break_sums(built):
    assert transaction(built, "X-NAN")["amount"] is None
    assert transaction(built, "X-INF")["amount"] is None
    assert transaction(built, "X-HUGE")["amount"] == 99999999999999999.0
    row = built.query(f"select monetary, monetary_score from marts.customer_segments where customer_id = '{T1}'")[0]
    # CUST_001's 200.00 of bill payments plus the huge top-up (NaN and inf count 0).
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


def test_organisations_without_any_event_still_build(tmp_path):
    """No transactions at all: every mart builds, customers are segmented with no activity,
    every customer is a behaviour error and no CLV model is fitted."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("organizations.csv", "customers.csv"):
        shutil.copy(FIXTURE / name, raw / name)
    project = make_project(tmp_path, raw, upload_csv="customer_id,churn_score\n")
    project.build(vars={"as_of_date": "2026-06-01"})
    segments = project.query("select count(*) as n, max(frequency) as f from marts.customer_segments")[0]
    assert segments["n"] > 0 and segments["f"] == 0
    runs = project.query("select sum(analyzed) as analysed, sum(error_count) as errors from marts.behavior_run_summary")[0]
    assert runs["analysed"] == 0 and runs["errors"] == segments["n"]
    # no customer with a value event: no model to fit, nothing to backtest
    assert project.query("select count(*) as n from marts.clv_model_params")[0]["n"] == 0
    assert project.query("select count(*) as n from marts.churn_backtest")[0]["n"] == 0
    assert project.query("select count(*) as n from marts.customer_lifetime_value")[0]["n"] == 0
