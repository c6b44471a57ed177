"""--bad: every row in bad_rows_manifest.json really is rejected (or really is valid) under the
rules of rules sections 5 and 10, using a small independent implementation of those rules."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from generator_data import ORG_IDS, REQUIRED_REJECTIONS, TABLES, TYPES, generate, read, read_upload

# ------------------------------------------------------------------------------------------
# --bad: an independent implementation of the rejection rules of rules sections 5 and 10
# ------------------------------------------------------------------------------------------


def _clean(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip()


def _empty(s: pd.Series) -> pd.Series:
    return s.isna() | (s == "")


def reject_reasons(out: Path, upload: Path) -> dict[str, pd.DataFrame]:
    """Every raw row with its reason code (NaN when valid), per table, in file order."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    orgs = read(out, "organizations")
    orgs["id"] = _clean(orgs.organization_id)
    org_type = _clean(orgs.org_type).str.lower().fillna("")
    orgs["type"] = org_type.where(org_type != "", "telecom")
    orgs["reason"] = np.select(
        [_empty(orgs.id), ~orgs.type.isin(TYPES), orgs.id.duplicated(keep=False)],
        ["missing_organization_id", "unknown_org_type", "duplicate_organization_id"],
        None,
    )
    valid_orgs = orgs[orgs.reason.isna()].set_index("id").type
    known_orgs = set(orgs.id.dropna())

    cust = read(out, "customers")
    cust["id"], cust["org"], cust["ext"] = (
        _clean(cust.customer_id),
        _clean(cust.organization_id),
        _clean(cust.external_id),
    )
    cust["reason"] = np.select(
        [
            _empty(cust.id),
            _empty(cust.org),
            ~cust.org.isin(known_orgs),
            ~cust.org.isin(valid_orgs.index),
            cust.id.duplicated(keep=False),
            cust.ext.notna() & cust.duplicated(["org", "ext"], keep=False),
        ],
        [
            "missing_customer_id",
            "missing_organization_id",
            "unknown_organization",
            "rejected_organization",
            "duplicate_customer_id",
            "duplicate_external_id",
        ],
        None,
    )
    valid_cust = cust[cust.reason.isna()].set_index("id")
    cust_type = valid_cust.org.map(valid_orgs)

    tx = read(out, "transactions")
    tx["id"], tx["cid"] = _clean(tx.transaction_id), _clean(tx.customer_id)
    tx["ts"] = pd.to_datetime(tx.occurred_at, errors="coerce", format="%Y-%m-%d %H:%M:%S")
    tx["type"] = _clean(tx.transaction_type).str.lower()
    industry = tx.cid.map(cust_type)
    type_ok = pd.Series([t in TYPES.get(i, ()) for t, i in zip(tx.type, industry)], index=tx.index)
    tx["reason"] = np.select(
        [
            _empty(tx.id),
            _empty(tx.cid),
            ~tx.cid.isin(valid_cust.index),
            _empty(tx.occurred_at.astype("string")),
            tx.ts.isna(),
            tx.ts > now + timedelta(days=1),
            ~type_ok,
            tx.amount < 0,
            tx.quantity < 0,
        ],
        [
            "missing_transaction_id",
            "missing_customer_id",
            "unknown_customer",
            "missing_occurred_at",
            "invalid_occurred_at",
            "future_occurred_at",
            "unknown_transaction_type",
            "negative_amount",
            "negative_quantity",
        ],
        None,
    )
    ok = tx[tx.reason.isna()].assign(pos=lambda d: np.arange(len(d))).sort_values(["ts", "pos"], kind="stable")
    later_copies = ok.index[ok.duplicated("id", keep="first")]
    tx.loc[later_copies, "reason"] = "duplicate_transaction_id"

    pred = read(out, "churn_predictions")
    pred["cid"] = _clean(pred.customer_id)
    p = pd.to_numeric(pred.churn_probability, errors="coerce")
    pred["reason"] = np.select(
        [~pred.cid.isin(valid_cust.index), pred.predicted_at.isna(), p.isna(), (p < 0) | (p > 1)],
        ["unknown_customer", "missing_predicted_at", "missing_churn_probability", "invalid_churn_probability"],
        None,
    )

    up = read_upload(upload)
    telecom = valid_cust[valid_cust.org == ORG_IDS["telecom"]]
    ref = up.customer_id.str.strip()
    found = ref.isin(set(telecom.ext)) | ref.isin(set(telecom.index))
    score = pd.to_numeric(up.churn_score.str.strip(), errors="coerce")
    up["reason"] = np.select(
        [~found, up.churn_score.str.strip() == "", score.isna(), (score < 0) | (score > 1)],
        ["customer_not_found", "missing_churn_score", "invalid_churn_score", "churn_score_out_of_range"],
        None,
    )
    key = ref.map(dict(zip(telecom.index, telecom.ext))).fillna(ref)
    passed = up.reason.isna()
    n_scores = score[passed].groupby(key[passed]).nunique()
    conflicting = passed & key.isin(n_scores[n_scores > 1].index)
    up.loc[conflicting, "reason"] = "conflicting_churn_scores"
    return {"organizations": orgs, "customers": cust, "transactions": tx, "churn_predictions": pred, "churn_upload": up}


def test_without_bad_every_row_is_valid(default_run):
    for table, df in reject_reasons(*default_run).items():
        assert df.reason.isna().all(), (table, df[df.reason.notna()].head())


def test_bad_rows_are_bad_as_claimed(bad_run):
    out, upload = bad_run
    manifest = json.loads((out / "bad_rows_manifest.json").read_text())["rows"]
    kinds = {(e["table"], e["reason_code"]) for e in manifest if e["expected"] != "valid"}
    assert REQUIRED_REJECTIONS <= kinds, REQUIRED_REJECTIONS - kinds
    assert any(e["expected"] == "valid" for e in manifest)
    assert str(pq.read_schema(out / "transactions.parquet").field("occurred_at").type) == "string"

    reasons = reject_reasons(out, upload)
    id_column = {"organizations": "id", "customers": "id", "transactions": "id", "churn_predictions": "cid"}
    key_column = {
        "organizations": "organization_id",
        "customers": "customer_id",
        "transactions": "transaction_id",
        "churn_predictions": "customer_id",
    }
    expected_rejects = {t: 0 for t in reasons}
    for e in manifest:
        table, df = e["table"], reasons[e["table"]]
        if table == "churn_upload":
            rows = df[
                (df.customer_id == e["key"]["customer_id"])
                & (df.churn_score == e["key"].get("churn_score", df.churn_score))
            ]
        else:
            key = e["key"].get(key_column[table])
            rows = df[df[id_column[table]].isna()] if key is None else df[df[id_column[table]] == key.strip()]
            for col, val in e["key"].items():  # further key columns narrow it down (name, occurred_at ...)
                if col not in (key_column[table], "raw_position") and col in df.columns:
                    rows = rows[rows[col].astype("string").str.startswith(str(val))]
            if "raw_position" in e["key"]:
                rows = rows.iloc[[e["key"]["raw_position"] - 1]]
        assert len(rows) >= 1, e
        if e["expected"] == "valid":
            assert rows.reason.isna().all(), (e, rows)
        else:
            expected_rejects[table] += 1
            assert (rows.reason == e["reason_code"]).any(), (e, rows)
    # nothing else is rejected: the manifest lists every bad row
    for table, df in reasons.items():
        assert df.reason.notna().sum() == expected_rejects[table], table


def test_bad_rows_specifics(bad_run):
    out, upload = bad_run
    tx = read(out, "transactions")
    future = tx[tx.transaction_id.str.contains("FUTURE", na=False)]
    assert len(future) == 3 and (pd.to_datetime(future.occurred_at) > pd.Timestamp.now() + pd.Timedelta(days=1)).all()
    manifest = json.loads((out / "bad_rows_manifest.json").read_text())["rows"]
    for e in manifest:
        if e["kind"] == "duplicate_transaction_id_later_copy":
            copies = tx[tx.transaction_id == e["key"]["transaction_id"]]
            assert len(copies) == 2
            first, second = pd.to_datetime(copies.occurred_at)
            assert second > first  # the copy (later in the file) is the later event
    wrong = tx[tx.transaction_id.str.contains("WRONGTYPE", na=False)]
    assert set(wrong.transaction_type) == {"purchase", "login", "call"}
    up = read_upload(upload)
    assert up.duplicated().sum() == 1  # the exact duplicate row
    assert {"abc", "", "1.5", "-0.1"} <= set(up.churn_score)
    assert {"0.5", "0.50"} <= set(up.churn_score)
    # the clean data is unchanged by --bad apart from the added rows
    orgs = read(out, "organizations")
    assert set(orgs.org_type.dropna()) >= {" Telecom", " Banking ", "ECOMMERCE", "insurance"}


def test_bad_is_deterministic(tmp_path, bad_run):
    again, upload = generate(tmp_path / "bad2", "--bad")
    assert (again / "bad_rows_manifest.json").read_text() == (bad_run[0] / "bad_rows_manifest.json").read_text()
    for table in TABLES:
        assert pq.read_table(again / f"{table}.parquet").equals(pq.read_table(bad_run[0] / f"{table}.parquet"))
    assert upload.read_bytes() == bad_run[1].read_bytes()
