"""--bad: rows of every rejection kind and the odd-but-valid rows, with their manifest."""

from __future__ import annotations

import numpy as np

from retention_tools.generator.personas import OrgCustomers
from retention_tools.generator.sampling import child_rng, uuid4_strings

BAD_ORG_UNKNOWN_TYPE = "8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b04"
BAD_ORG_DUPLICATE = "8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b05"
NULL_TYPE_ORG = "8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b06"
UNKNOWN_ORG = "00000000-0000-4000-8000-000000000000"
WRONG_TYPE = {"banking": "purchase", "telecom": "login", "ecommerce": "call"}
VALUE_TYPE = {"banking": "transaction", "telecom": "bill_payment", "ecommerce": "purchase"}
QTY_TYPE = {"banking": "login", "telecom": "data_usage", "ecommerce": "purchase"}


class BadRows:
    """Collects the deliberately broken (and the valid-but-odd) rows and their manifest."""

    def __init__(self, seed: int, end: np.datetime64):
        self.rng = child_rng(seed, 99)
        self.end = end
        self.manifest: list[dict] = []
        self.rows: dict[str, list[dict]] = {
            t: [] for t in ("organizations", "customers", "transactions", "churn_predictions")
        }
        self.upload: list[tuple[str, str]] = []

    def uuid(self) -> str:
        return str(uuid4_strings(self.rng, 1)[0])

    def note(self, table, kind, expected, reason, key, org=None):
        """A manifest entry. expected: `rejected` (a data_quality_rejects row), `upload_error` (a
        segmentation_errors row, also rejected) or `valid` (must NOT be rejected). For the first two,
        reason is the expected reason_code; for `valid` rows it says why the row is fine."""
        entry = {"table": table, "kind": kind, "expected": expected, "key": key, "organization_id": org}
        entry["reason_code" if expected != "valid" else "note"] = reason
        self.manifest.append(entry)

    def add(self, table, row, kind, expected, reason, key, org=None):
        self.rows[table].append(row)
        self.note(table, kind, expected, reason, key, org)

    def ts(self, days_before_end: int, hour: int = 12) -> str:
        d = self.end - np.timedelta64(days_before_end, "D")
        return f"{d} {hour:02d}:00:00"


def build_bad_rows(bad: BadRows, orgs: dict[str, OrgCustomers], samples: dict[str, dict]) -> None:
    # ---- organizations
    bad.add(
        "organizations",
        {"organization_id": None, "name": "Orphan Org", "org_type": "banking"},
        "missing_organization_id",
        "rejected",
        "missing_organization_id",
        {"name": "Orphan Org"},
    )
    bad.add(
        "organizations",
        {"organization_id": BAD_ORG_UNKNOWN_TYPE, "name": "Acme Insurance", "org_type": "insurance"},
        "unknown_org_type",
        "rejected",
        "unknown_org_type",
        {"organization_id": BAD_ORG_UNKNOWN_TYPE},
        BAD_ORG_UNKNOWN_TYPE,
    )
    for name, typ in (("Twin Org A", "banking"), ("Twin Org B", "ecommerce")):
        bad.add(
            "organizations",
            {"organization_id": BAD_ORG_DUPLICATE, "name": name, "org_type": typ},
            "duplicate_organization_id",
            "rejected",
            "duplicate_organization_id",
            {"organization_id": BAD_ORG_DUPLICATE, "name": name},
            BAD_ORG_DUPLICATE,
        )
    bad.add(
        "organizations",
        {"organization_id": NULL_TYPE_ORG, "name": "Blank Type Mobile", "org_type": None},
        "null_org_type_is_telecom",
        "valid",
        "org_type NULL means telecom",
        {"organization_id": NULL_TYPE_ORG},
        NULL_TYPE_ORG,
    )

    bank = orgs["banking"]
    bank_id = bank.org_id

    def cust(cid, org, ext, kind, expected, reason, key=None):
        row = {
            "customer_id": cid,
            "organization_id": org,
            "external_id": ext,
            "signup_date": (bad.end - np.timedelta64(100, "D")).astype(object),
            "plan_allowance_mb": None,
        }
        bad.add("customers", row, kind, expected, reason, key or {"customer_id": cid, "external_id": ext}, org)

    # ---- customers
    cust(None, bank_id, "BAD_CUST_001", "missing_customer_id", "rejected", "missing_customer_id")
    cust(bad.uuid(), None, "BAD_CUST_002", "missing_organization", "rejected", "missing_organization_id")
    cust(bad.uuid(), UNKNOWN_ORG, "BAD_CUST_003", "unknown_organization", "rejected", "unknown_organization")
    cust(bad.uuid(), BAD_ORG_UNKNOWN_TYPE, "BAD_CUST_004", "rejected_organization", "rejected", "rejected_organization")
    cust(bad.uuid(), BAD_ORG_DUPLICATE, "BAD_CUST_005", "rejected_organization", "rejected", "rejected_organization")
    dup_cid = bad.uuid()
    for ext in ("BAD_CUST_006", "BAD_CUST_007"):
        cust(dup_cid, bank_id, ext, "duplicate_customer_id", "rejected", "duplicate_customer_id")
    for _ in range(2):
        cust(bad.uuid(), bank_id, "BAD_CUST_DUP_EXT", "duplicate_external_id", "rejected", "duplicate_external_id")
    padded_cid = bad.uuid()
    cust(
        f"  {padded_cid} ",
        f" {bank_id}  ",
        "BAD_CUST_008",
        "padded_ids",
        "valid",
        "ids are trimmed",
        {"customer_id": padded_cid, "external_id": "BAD_CUST_008"},
    )
    null_type_customers = [bad.uuid(), bad.uuid()]
    for i, cid in enumerate(null_type_customers):
        cust(cid, NULL_TYPE_ORG, f"CUST_{i + 1:05d}", "customer_of_null_type_org", "valid", "valid customer")

    # ---- transactions
    counter = [0]

    def txn(tid, cid, ts, ttype, kind, expected, reason, org, amount=None, quantity=None, category=None, key=None):
        if tid is None and key is None:
            key = {"transaction_id": None, "customer_id": cid, "occurred_at": ts}
        row = {
            "transaction_id": tid,
            "customer_id": cid,
            "occurred_at": ts,
            "transaction_type": ttype,
            "amount": amount,
            "quantity": quantity,
            "category": category,
            "discount_amount": None,
        }
        bad.add("transactions", row, kind, expected, reason, key or {"transaction_id": tid}, org)

    def new_tid(tag):
        counter[0] += 1
        return f"TXN_BAD_{tag}_{counter[0]:03d}"

    txn(
        new_tid("DUPC"),
        dup_cid,
        bad.ts(20),
        "login",
        "transaction_of_rejected_customer",
        "rejected",
        "unknown_customer",
        bank_id,
    )
    txn(
        new_tid("NULLORG"),
        null_type_customers[0],
        bad.ts(10),
        "data_usage",
        "event_of_null_type_org",
        "valid",
        "valid event",
        NULL_TYPE_ORG,
        quantity=120.0,
    )
    txn(
        new_tid("NULLORG"),
        null_type_customers[0],
        bad.ts(5),
        "topup",
        "event_of_null_type_org",
        "valid",
        "valid event",
        NULL_TYPE_ORG,
        amount=20.0,
    )
    txn(
        new_tid("NULLORG"),
        null_type_customers[1],
        bad.ts(40),
        "bill_payment",
        "event_of_null_type_org",
        "valid",
        "valid event",
        NULL_TYPE_ORG,
        amount=30.0,
        quantity=0.0,
    )
    txn(
        new_tid("PADC"),
        padded_cid,
        bad.ts(3),
        "transaction",
        "event_of_padded_customer",
        "valid",
        "valid event",
        bank_id,
        amount=75.0,
        category="checking",
    )

    for org_type, c in orgs.items():
        oid = c.org_id
        cid = c.customer_id[0]
        vt, qt = VALUE_TYPE[org_type], QTY_TYPE[org_type]
        txn(
            None,
            cid,
            bad.ts(10),
            "support_contact",
            "missing_transaction_id",
            "rejected",
            "missing_transaction_id",
            oid,
        )
        txn(
            new_tid("NOCUST"),
            None,
            bad.ts(10),
            vt,
            "missing_customer_id",
            "rejected",
            "missing_customer_id",
            oid,
            amount=10.0,
        )
        txn(
            new_tid("UNKCUST"),
            bad.uuid(),
            bad.ts(10),
            vt,
            "unknown_customer",
            "rejected",
            "unknown_customer",
            oid,
            amount=10.0,
        )
        txn(new_tid("NOTS"), cid, None, vt, "missing_timestamp", "rejected", "missing_occurred_at", oid, amount=10.0)
        txn(
            new_tid("BADTS"),
            cid,
            "not-a-date",
            vt,
            "unparseable_timestamp",
            "rejected",
            "invalid_occurred_at",
            oid,
            amount=10.0,
        )
        txn(
            new_tid("FUTURE"),
            cid,
            "2099-01-01 00:00:00",
            vt,
            "future_timestamp",
            "rejected",
            "future_occurred_at",
            oid,
            amount=10.0,
        )
        txn(
            new_tid("WRONGTYPE"),
            cid,
            bad.ts(10),
            WRONG_TYPE[org_type],
            "unknown_transaction_type",
            "rejected",
            "unknown_transaction_type",
            oid,
            amount=10.0,
        )
        txn(new_tid("NEGAMT"), cid, bad.ts(10), vt, "negative_amount", "rejected", "negative_amount", oid, amount=-50.0)
        txn(
            new_tid("NEGQTY"),
            cid,
            bad.ts(10),
            qt,
            "negative_quantity",
            "rejected",
            "negative_quantity",
            oid,
            quantity=-2.0,
        )
        # duplicate ids: a later copy of an existing transaction (the copy is rejected) ...
        s = samples[org_type]
        later = (np.datetime64(s["occurred_at"]) + np.timedelta64(3600, "s")).astype("datetime64[s]")
        txn(
            s["transaction_id"],
            s["customer_id"],
            str(later).replace("T", " "),
            s["transaction_type"],
            "duplicate_transaction_id_later_copy",
            "rejected",
            "duplicate_transaction_id",
            oid,
            amount=s["amount"],
            quantity=s["quantity"],
            category=s["category"],
            key={"transaction_id": s["transaction_id"], "occurred_at": str(later).replace("T", " ")},
        )
        # ... a pair where the row later in the file is the earlier event (the first row is rejected) ...
        tid = new_tid("DUPORDER")
        txn(
            tid,
            cid,
            bad.ts(12, 15),
            "support_contact",
            "duplicate_transaction_id_earlier_in_file",
            "rejected",
            "duplicate_transaction_id",
            oid,
            key={"transaction_id": tid, "occurred_at": bad.ts(12, 15)},
        )
        txn(
            tid,
            cid,
            bad.ts(12, 9),
            "support_contact",
            "duplicate_transaction_id_kept",
            "valid",
            "first by occurred_at",
            oid,
            key={"transaction_id": tid, "occurred_at": bad.ts(12, 9)},
        )
        # ... and a pair with equal timestamps (raw order decides: the second row is rejected)
        tid = new_tid("DUPSAME")
        txn(
            tid,
            cid,
            bad.ts(14),
            "support_contact",
            "duplicate_transaction_id_same_time_kept",
            "valid",
            "first in raw order",
            oid,
            category="general",
            key={"transaction_id": tid, "raw_position": 1},
        )
        txn(
            tid,
            cid,
            bad.ts(14),
            "support_contact",
            "duplicate_transaction_id_same_time",
            "rejected",
            "duplicate_transaction_id",
            oid,
            category="general",
            key={"transaction_id": tid, "raw_position": 2},
        )
        # valid rows that need normalisation
        pad_type = {"banking": " LOGIN ", "telecom": "Data_Usage ", "ecommerce": " View"}[org_type]
        tid = new_tid("NORM")
        txn(
            tid,
            cid,
            bad.ts(9),
            pad_type,
            "transaction_type_needs_normalization",
            "valid",
            "trimmed, lower-cased",
            oid,
            quantity=50.0 if org_type == "telecom" else None,
        )
        tid = new_tid("NORM")
        cat = {"banking": " Savings ", "telecom": " BILLING", "ecommerce": "Books "}[org_type]
        ttype = {"banking": "transaction", "telecom": "support_contact", "ecommerce": "purchase"}[org_type]
        amt = None if org_type == "telecom" else 42.5
        qty = 1.0 if org_type == "ecommerce" else None
        txn(
            f" {tid}  ",
            f"  {c.customer_id[1]} ",
            bad.ts(8),
            ttype,
            "padded_ids_and_category",
            "valid",
            "trimmed",
            oid,
            amount=amt,
            quantity=qty,
            category=cat,
            key={"transaction_id": tid},
        )

    # ---- churn predictions (banking, ecommerce)
    for org_type in ("banking", "ecommerce"):
        c = orgs[org_type]
        oid = c.org_id
        at_end = np.datetime64(f"{bad.end}T23:30:00").astype("datetime64[us]")

        def pred(cid, p, at, kind, expected, reason, key_cid=None, oid=oid):
            bad.add(
                "churn_predictions",
                {"customer_id": cid, "churn_probability": p, "predicted_at": None if at is None else at.astype(object)},
                kind,
                expected,
                reason,
                {"customer_id": key_cid or cid},
                oid,
            )

        pred(bad.uuid(), 0.5, at_end, "unknown_customer", "rejected", "unknown_customer")
        pred(c.customer_id[2], 0.91, None, "null_predicted_at", "rejected", "missing_predicted_at")
        pred(c.customer_id[2], None, at_end, "missing_probability", "rejected", "missing_churn_probability")
        pred(c.customer_id[3], 1.2, at_end, "probability_above_one", "rejected", "invalid_churn_probability")
        pred(c.customer_id[3], -0.05, at_end, "probability_below_zero", "rejected", "invalid_churn_probability")
        older = (bad.end - np.timedelta64(200, "D")).astype("datetime64[us]")
        pred(f" {c.customer_id[4]}  ", 0.42, older, "padded_customer_id", "valid", "trimmed", c.customer_id[4])
        tie_at = np.datetime64(f"{bad.end}T23:00:00").astype("datetime64[us]")
        for p in (0.2, 0.6):
            pred(c.customer_id[5], p, tie_at, "predicted_at_tie", "valid", "larger probability wins on a tie")

    # ---- upload (telecom)
    tel = orgs["telecom"]
    oid = tel.org_id

    def up(ref, score, kind, expected, reason):
        bad.upload.append((ref, score))
        bad.note("churn_upload", kind, expected, reason, {"customer_id": ref, "churn_score": score}, oid)

    up("CUST_NOT_A_CUSTOMER", "0.4", "unknown_customer", "upload_error", "customer_not_found")
    up(tel.external_id[0], "abc", "non_numeric_score", "upload_error", "invalid_churn_score")
    up(tel.external_id[1], "1.5", "score_above_one", "upload_error", "churn_score_out_of_range")
    up(tel.external_id[1], "-0.1", "score_below_zero", "upload_error", "churn_score_out_of_range")
    up(tel.external_id[0], "", "empty_score", "upload_error", "missing_churn_score")
    up(tel.external_id[2], "0.9100", "conflicting_scores", "upload_error", "conflicting_churn_scores")


def apply_bad_upload(bad: BadRows, rows: list[tuple[str, str]], tel: OrgCustomers) -> list[tuple[str, str]]:
    """The telecom upload with the bad / odd rows (see the module docstring)."""
    rows = list(rows)
    oid = tel.org_id
    ext = tel.external_id
    # the conflicting customer's own row is rejected too
    own = rows[2]
    if own[1] == "0.9100":  # must differ from the conflicting row
        own = rows[2] = (own[0], "0.9200")
    bad.note(
        "churn_upload",
        "conflicting_scores",
        "upload_error",
        "conflicting_churn_scores",
        {"customer_id": own[0], "churn_score": own[1]},
        oid,
    )
    # an exact duplicate row (not an error), a 0.5 / 0.50 pair (counts once)
    rows.append(rows[3])
    bad.note(
        "churn_upload",
        "exact_duplicate_row",
        "valid",
        "an exact duplicate counts once",
        {"customer_id": rows[3][0], "churn_score": rows[3][1]},
        oid,
    )
    rows[4] = (ext[4], "0.5")
    rows.append((ext[4], "0.50"))
    bad.note(
        "churn_upload", "numerically_equal_scores", "valid", "0.5 and 0.50 count once", {"customer_id": ext[4]}, oid
    )
    # a padded external id and a row keyed by the customer UUID
    rows[5] = (f" {ext[5]} ", rows[5][1])
    bad.note("churn_upload", "padded_external_id", "valid", "trimmed", {"customer_id": rows[5][0]}, oid)
    rows[6] = (tel.customer_id[6], rows[6][1])
    bad.note(
        "churn_upload",
        "keyed_by_customer_uuid",
        "valid",
        "a customer UUID also matches",
        {"customer_id": rows[6][0]},
        oid,
    )
    return rows + bad.upload
