"""Raw files as real exports write them. Everything RFC 4180 allows is read as written (a
BOM, CRLF line ends, quoted commas, quotes and newlines, columns in any order, extra
columns); every line the reader cannot take is rejected whole as `unreadable_line` with its
file, its line number as an editor shows it, its text and what to fix; numbers that are not
finite are rejected; nothing is dropped (raw records = read rows + unreadable lines). Input
too broken to use stops the build with one message (the data-quality gate)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from dbt_runner import make_project
from handmade import TEL, built_project, copy_raw

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "handmade"
T1 = "a1000000-0000-4000-8000-000000000001"
BIG = "x" * 2_100_000  # beyond the reader's 2,000,000-byte line limit

# Appended to the hand-made transactions.csv: (transaction id, line); the unreadable ones
# are in UNREADABLE with a phrase of what to fix.
EXTRA_LINES = [
    ("X-NEWLINE", f'X-NEWLINE,{T1},2026-05-01 09:00:00,topup,5,,"two\nlines, one ""value""",\n'),
    ("X-LONG", f"X-LONG,{T1},2026-05-01 10:00:00,call,,1,,,extra,extra2\n"),
    ("X-SHORT", f"X-SHORT,{T1},2026-05-01 10:00:00\n"),
    ("X-BADQUOTE", f'X-BADQUOTE,{T1},2026-05-01 10:00:00,call,,1,"x"y,\n'),
    ("X-BLANK-TYPE", f"X-BLANK-TYPE,{T1},2026-05-01 10:00:00,  ,,1,,\n"),  # blank type -> unknown
    ("X-NAN", f"X-NAN,{T1},2026-05-02 10:00:00,topup,NaN,,,\n"),  # not finite -> rejected
    ("X-INF", f"X-INF,{T1},2026-05-02 11:00:00,topup,inf,,,\n"),
    ("X-HUGE", f"X-HUGE,{T1},2026-05-02 12:00:00,topup,99999999999999999,,,\n"),
    ("X-BIG", f"X-BIG,{T1},2026-05-02 13:00:00,call,,1,{BIG},\n"),
    ("X-TZ", f"X-TZ,{T1},2026-05-31T23:30:00-05:00,call,,1,,\n"),  # = 2026-06-01 04:30 UTC
    ("X-QUOTE", f'X-QUOTE,{T1},2026-05-03 10:00:00,purchase,5,1,"Café ""Noël"" \\ mix",\n'),  # not telecom
    ("X-UTF8", f"X-UTF8,{T1},2026-05-01 10:00:00,c\udcffall,,1,,\n"),
    ("X-CUT", f"X-CUT,{T1},2026-05-02 14:00:00,topup,17"),  # cut off: no more fields, no newline
]
UNREADABLE = {
    "X-LONG": "it has 10 fields where the header has 8: put a value that holds a comma in double quotes",
    "X-SHORT": "it has 3 fields where the header has 8 (cut off, or a delimiter missing): complete the line",
    "X-BADQUOTE": "a quoted value is not closed, or text follows its closing quote",
    "X-BIG": "longer than the reader's limit of 2,000,000 bytes",
    "X-UTF8": "it is not valid UTF-8 text: save the file as UTF-8",
    "X-CUT": "it has 5 fields where the header has 8 (cut off, or a delimiter missing)",
}


def _bytes(line: str) -> bytes:
    return line.encode("utf-8", "surrogateescape")  # \udcff is the invalid byte 0xff


def write_bad_raw_dir(raw: Path) -> Path:
    """The hand-made fixture (without its upload) in ``raw``, with EXTRA_LINES appended to
    transactions.csv, organizations.csv as another export writes it and an empty
    churn_predictions.csv; returns ``raw``."""
    shutil.copytree(FIXTURE, raw, ignore=shutil.ignore_patterns("upload.csv"))
    with open(raw / "transactions.csv", "ab") as f:
        f.write(b"".join(_bytes(line) for _, line in EXTRA_LINES))
    # organizations: a BOM, CRLF line ends, the columns in another order and an extra column
    # whose values hold a quoted comma and a quoted newline.
    lines = (FIXTURE / "organizations.csv").read_text().splitlines()
    rows = [line.split(",", 2) for line in lines]
    reordered = [f"{r[2]},{r[1]},{r[0]}" + (",notes" if i == 0 else ',"a, b\r\nc"') for i, r in enumerate(rows)]
    (raw / "organizations.csv").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(reordered).encode() + b"\r\n")
    (raw / "churn_predictions.csv").write_bytes(b"")  # an empty file is an empty table
    return raw


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad_files")
    raw = write_bad_raw_dir(tmp / "raw")
    project = make_project(tmp, raw, upload_csv=FIXTURE / "upload.csv")
    project.build(vars={"as_of_date": "2026-06-01", "churn_upload_organization_id": TEL})
    return project


def transaction(project, transaction_id: str) -> dict:
    rows = project.query(
        f"select * from intermediate.int_transactions_validated where transaction_id = '{transaction_id}'"
    )
    assert len(rows) == 1, transaction_id
    return rows[0]


def test_unreadable_lines_are_rejected_whole_with_file_line_text_and_fix(built):
    content = (built.raw_dir / "transactions.csv").read_bytes()
    # the line number an editor shows: X-NEWLINE's quoted newline counts as a line
    editor_line = {
        line.split(b",", 1)[0].decode(): number
        for number, line in enumerate(content.split(b"\n"), start=1)
        if line.startswith(b"X-")
    }
    rejects = {
        json.loads(r["raw_record"])["csv_line"][:12].split(",")[0]: r
        for r in built.query(
            "select source_table, record_id, reason, raw_record from marts.data_quality_rejects "
            "where reason_code = 'unreadable_line'"
        )
    }
    assert sorted(rejects) == sorted(UNREADABLE)
    for transaction_id, fix in UNREADABLE.items():
        row, raw = rejects[transaction_id], json.loads(rejects[transaction_id]["raw_record"])
        assert row["source_table"] == "transactions" and row["record_id"] is None
        assert raw["file"] == "transactions.csv" and raw["line"] == editor_line[transaction_id], transaction_id
        assert row["reason"].startswith(
            f"line {editor_line[transaction_id]} of transactions.csv could not be read, "
            "so none of its values are used: "
        ), row["reason"]
        assert fix in row["reason"], (transaction_id, row["reason"])
        # none of its values is used
        assert (
            built.query(f"select count(*) as n from raw.transactions where transaction_id = '{transaction_id}'")[0]["n"]
            == 0
        )
    assert json.loads(rejects["X-SHORT"]["raw_record"])["csv_line"] == f"X-SHORT,{T1},2026-05-01 10:00:00"
    assert json.loads(rejects["X-CUT"]["raw_record"])["csv_line"] == f"X-CUT,{T1},2026-05-02 14:00:00,topup,17"
    big = json.loads(rejects["X-BIG"]["raw_record"])["csv_line"]
    assert big.startswith("X-BIG,") and len(big) < 11_000
    assert int(re.search(r" \.\.\. \((\d+) bytes in all\)$", big).group(1)) >= len(BIG)
    # the line after a broken quote is read again
    assert transaction(built, "X-BLANK-TYPE")["reject_reason_code"] == "unknown_transaction_type"


def test_nothing_is_dropped(built):
    """Every record of the file is either a row of the raw table or an unreadable line, and
    every raw row is used or rejected."""
    records = len((FIXTURE / "transactions.csv").read_text().splitlines()) - 1 + len(EXTRA_LINES)
    counts = built.query("""
        select
            (select count(*) from raw.transactions) as raw_rows,
            (select count(*) from raw.load_errors where source_table = 'transactions') as unreadable,
            (select count(*) from intermediate.int_transactions_validated where reject_reason_code is null) as used,
            (select count(*) from marts.data_quality_rejects where source_table = 'transactions') as rejected
    """)[0]
    assert counts["raw_rows"] + counts["unreadable"] == records
    assert counts["used"] + counts["rejected"] == records


def test_rfc_4180_is_read_as_written(built):
    """Quoted newline, comma and quotes; a BOM, CRLF, reordered and extra columns."""
    row = transaction(built, "X-NEWLINE")
    assert row["reject_reason_code"] is None and row["category"] == 'two\nlines, one "value"'
    organizations = built.query(
        "select organization_id, name, org_type from raw.organizations order by _raw_row_number"
    )
    expected = [line.split(",", 2) for line in (FIXTURE / "organizations.csv").read_text().splitlines()[1:]]
    assert [[o["organization_id"], o["name"], o["org_type"]] for o in organizations] == [
        [i, n, t.strip('"') or None] for i, n, t in expected
    ]  # an empty field is missing
    # only the retail organisation is rejected, as from the plain file (an unknown org_type)
    assert built.query(
        "select record_id, reason_code from marts.data_quality_rejects where source_table = 'organizations'"
    ) == [{"record_id": "bad00000-0000-4000-8000-00000000000c", "reason_code": "unknown_org_type"}]


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
    assert (
        built.query("select count(*) as n from marts.customer_segments where churn_score_source = 'churn_prediction'")[
            0
        ]["n"]
        == 0
    )


def test_json_text_survives_quotes_backslashes_and_accents(built):
    row = built.query("select reason_code, raw_record from marts.data_quality_rejects where record_id = 'X-QUOTE'")[0]
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
    assert (
        "Data-quality gate: the input is too broken to build on. transactions has no rows: it is required"
        in proc.stdout
    ), proc.stdout[-3000:]
    assert "History not written" in proc.stdout

    project.build(vars={"as_of_date": "2026-06-01", "data_quality_gate": False})
    segments = project.query("select count(*) as n, max(frequency) as f from marts.customer_segments")[0]
    assert segments["n"] > 0 and segments["f"] == 0
    runs = project.query(
        "select sum(analyzed) as analysed, sum(error_count) as errors from marts.behavior_run_summary"
    )[0]
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
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "scheduled_run.py"),
            "--project-dir",
            str(project.root),
            "--as-of-date",
            "2026-06-01",
            "--quiet",
        ],
        cwd=project.root,
        env={**project.env(), "RETENTION_PUBLISHED_PATH": str(published)},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and "nothing was published" in proc.stderr
    expected = {
        "nowhere": "organizations has no rows: it is required",
        "all_rejected": f"transactions: {events} of {events} rows rejected (100.0%), more than var "
        "max_reject_share (0.5); "
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
    """scripts/load_raw.py (PostgreSQL and Spark) reads with the same reader, so it stops on
    such a file with the same message, before connecting to the target."""
    import subprocess
    import sys

    from dbt_runner import PROJECT_ROOT

    (tmp_path / "transactions.csv").write_text("transaction_id;customer_id\nT1;C1\n")
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "load_raw.py"),
            "--target",
            "postgres",
            "--raw-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "transactions.csv has none of the expected columns" in proc.stderr, proc.stderr


@pytest.fixture(scope="module")
def handmade(tmp_path_factory):
    """The hand-made fixture's shared build (the clean upload, read as a file)."""
    return built_project(tmp_path_factory)


UPLOAD_READ = {"file": "churn upload: no rows in", "seed": "synthetic_churn_predictions: the file is empty"}


@pytest.mark.parametrize("route", ["file", "seed"])
def test_an_empty_upload_file_means_no_upload_rows(tmp_path, route):
    """A 0-byte upload builds like a header-only file, read as a file (the default) or as a
    seed (dbt's seed loader cannot read one; the project's seed materialization can): no upload
    rows, no upload rejects, customers scored from the other churn sources."""
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURE, raw, ignore=shutil.ignore_patterns("upload.csv"))
    project = make_project(tmp_path, raw, upload_csv="")
    assert (project.root / "seeds" / "synthetic_churn_predictions.csv").stat().st_size == 0
    proc = project.build(
        vars={"as_of_date": "2026-06-01", "churn_upload_organization_id": TEL, "churn_upload_from": route}
    )
    assert UPLOAD_READ[route] in proc.stdout
    table = "raw.churn_upload_file" if route == "file" else "seeds.synthetic_churn_predictions"
    assert project.query(f"select count(*) as n from {table}")[0]["n"] == 0
    sources = {
        r["churn_score_source"]
        for r in project.query("select distinct churn_score_source from marts.customer_segments")
    }
    assert "upload" not in sources and "churn_prediction" in sources  # the fixture upload gives "upload"
    assert (
        project.query("select count(*) as n from marts.data_quality_rejects where source_table = 'churn_upload'")[0][
            "n"
        ]
        == 0
    )


# The hand-made upload (TEL's) as an export writes it: a BOM, CRLF line ends, then two lines
# the reader cannot take around a good one, right after the fixture's lines.
UPLOAD_LINES = len((FIXTURE / "upload.csv").read_text().splitlines())
BROKEN_UPLOAD = (
    "\ufeffcustomer_id,churn_score\r\n"
    + "".join(f"{line}\r\n" for line in (FIXTURE / "upload.csv").read_text().splitlines()[1:])
    + 'CUST_005,0.5,"an extra value"\r\n'
    + "CUST_001,0.10\r\n"
    + 'CUST_007,"0.9\r\n'
)


def test_a_broken_upload_line_is_an_unreadable_line_error_not_a_failed_build(tmp_path, handmade):
    """The upload is read by the raw-file reader: a line with more values than the header and
    a line with an unclosed quote are one segmentation_errors row each (unreadable_line,
    customer_ref NULL, the editor's line number and what to fix), counted in the run summary
    and the rejects; every other line (after a BOM, with CRLF) is validated as before: the
    same errors and scores as the clean upload."""
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURE, raw, ignore=shutil.ignore_patterns("upload.csv"))
    project = make_project(tmp_path, raw, upload_csv=BROKEN_UPLOAD)
    project.build(vars={"as_of_date": "2026-06-01", "churn_upload_organization_id": TEL})
    errors = project.query(
        "select organization_id, customer_ref, error_code, message from marts.segmentation_errors order by message"
    )
    unreadable = [e for e in errors if e["error_code"] == "unreadable_line"]
    assert [(e["organization_id"], e["customer_ref"]) for e in unreadable] == [(TEL, None), (TEL, None)]
    assert [e["message"] for e in unreadable] == [
        f"line {UPLOAD_LINES + 1} of synthetic_churn_predictions.csv could not be read, so none of its values are "
        "used: it has 3 fields where the header has 2: put a value that holds a comma in double quotes",
        f"line {UPLOAD_LINES + 3} of synthetic_churn_predictions.csv could not be read, so none of its values are "
        "used: a quoted value is not closed, or text follows its closing quote: write a quote inside a quoted "
        'value as two quotes ("")',
    ]
    clean = handmade.query("select organization_id, customer_ref, error_code, message from marts.segmentation_errors")
    assert sorted(map(str, (e for e in errors if e["error_code"] != "unreadable_line"))) == sorted(map(str, clean))
    summary = project.query(
        f"select upload_rows, error_count from marts.segmentation_run_summary where organization_id = '{TEL}'"
    )[0]
    clean_summary = handmade.query(
        f"select upload_rows, error_count from marts.segmentation_run_summary where organization_id = '{TEL}'"
    )[0]
    assert summary == {"upload_rows": clean_summary["upload_rows"] + 3, "error_count": clean_summary["error_count"] + 2}
    rejects = project.query(
        "select record_id, reason from marts.data_quality_rejects where reason_code = 'unreadable_line'"
        " and source_table = 'churn_upload'"
    )
    assert sorted(r["reason"] for r in rejects) == [e["message"] for e in unreadable] and {
        r["record_id"] for r in rejects
    } == {None}
    scores = (
        "select customer_id, churn_score, churn_score_source from marts.customer_segments"
        " where churn_score_source = 'upload'"
    )
    new = {r["customer_id"]: r for r in project.query(scores)}
    old = {r["customer_id"]: r for r in handmade.query(scores)}
    assert new == old and new  # CUST_001's 0.10 repeats its 0.1: counted once, not an error


def test_the_seed_route_reads_the_upload_as_the_file_route_does(tmp_path, handmade):
    """Var churn_upload_from: seed (dbt seed) gives the same upload rows, errors and scores as
    the default file route on a well-formed upload."""
    project = make_project(tmp_path, copy_raw(tmp_path / "raw"), upload_csv=FIXTURE / "upload.csv")
    project.build(vars={"as_of_date": "2026-06-01", "churn_upload_organization_id": TEL, "churn_upload_from": "seed"})
    for sql in (
        "select organization_id, customer_ref, error_code, message from marts.segmentation_errors order by all",
        "select * from marts.segmentation_run_summary order by organization_id",
        "select customer_id, churn_score, churn_score_source, segment from marts.customer_segments order by all",
        "select * from marts.data_quality_rejects where source_table = 'churn_upload' order by all",
    ):
        assert project.query(sql) == handmade.query(sql), sql


def test_an_unreadable_line_of_an_upload_with_organisations_counts_for_the_default_one(tmp_path):
    """With an organization_id column a line that cannot be read still has no organisation of
    its own: it counts for var churn_upload_organization_id, in its run summary too."""
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURE, raw, ignore=shutil.ignore_patterns("upload.csv"))
    upload = tmp_path / "upload.csv"
    upload.write_text(f"customer_id,churn_score,organization_id\nCUST_001,0.1,{TEL}\nCUST_002,0.8,{TEL},extra\n")
    project = make_project(tmp_path, raw, upload_csv=upload)
    project.build(
        "--select", "+segmentation_errors", "+segmentation_run_summary",
        "--resource-type", "model", "--resource-type", "seed",
        vars={"as_of_date": "2026-06-01", "churn_upload_organization_id": TEL},
    )  # fmt: skip
    errors = project.query("select organization_id, customer_ref, error_code from marts.segmentation_errors")
    assert errors == [{"organization_id": TEL, "customer_ref": None, "error_code": "unreadable_line"}]
    summary = project.query(
        f"select upload_rows, error_count from marts.segmentation_run_summary where organization_id = '{TEL}'"
    )
    assert summary == [{"upload_rows": 2, "error_count": 1}]
