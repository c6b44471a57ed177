"""--bad: rows of every rejection kind and the odd-but-valid rows, with their manifest.

build_bad_rows adds them table by table (organizations, customers, transactions,
churn_predictions, then the churn upload) in the order they are appended to the raw files;
apply_bad_upload alters some of the upload's own rows."""

from __future__ import annotations

from dataclasses import dataclass

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
        self.transaction_id_count = 0  # bad transaction ids made so far

    def uuid(self) -> str:
        return str(uuid4_strings(self.rng, 1)[0])

    def new_transaction_id(self, tag: str) -> str:
        """A new id of a bad transaction, TXN_BAD_<tag>_<n> (n numbers all of them, from 001)."""
        self.transaction_id_count += 1
        return f"TXN_BAD_{tag}_{self.transaction_id_count:03d}"

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


@dataclass(frozen=True)
class BadCustomers:
    """The customer_ids of the odd customers that the bad transactions refer to."""

    duplicate_id: str  # of two rejected customers (duplicate_customer_id)
    padded_id: str  # of a valid customer whose ids are written padded with spaces
    of_null_type_org: tuple[str, str]  # two valid customers of the organisation with a NULL org_type


def build_bad_rows(bad: BadRows, orgs: dict[str, OrgCustomers], samples: dict[str, dict]) -> None:
    """Adds to `bad` the bad and odd rows of every raw table and of the churn upload, with their
    manifest entries (see the package docstring). samples: per org_type, a clean transaction whose
    transaction_id is copied."""
    bank_id = orgs["banking"].org_id
    _add_bad_organizations(bad)
    customers = _add_bad_customers(bad, bank_id)
    _add_transactions_of_odd_customers(bad, customers, bank_id)
    for org_type, c in orgs.items():
        _add_transactions_with_bad_ids(bad, org_type, c)
        _add_transactions_with_bad_values(bad, org_type, c)
        _add_later_copy_of_transaction(bad, c, samples[org_type])
        _add_duplicate_transaction_id_pairs(bad, c)
        _add_transactions_to_normalize(bad, org_type, c)
    for org_type in ("banking", "ecommerce"):
        _add_bad_predictions(bad, orgs[org_type])
    _add_bad_upload_rows(bad, orgs["telecom"])


def _add_bad_organizations(bad: BadRows) -> None:
    """Organizations rejected for a missing organization_id, an unknown org_type (insurance) and a
    duplicate organization_id (both rows); and a valid one whose NULL org_type means telecom."""
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


def _add_customer(bad: BadRows, cid, org, ext, kind, expected, reason, key=None) -> None:
    """A customers row (signed up 100 days before the end date, no plan allowance) and its
    manifest entry, keyed by customer_id and external_id unless key is given."""
    row = {
        "customer_id": cid,
        "organization_id": org,
        "external_id": ext,
        "signup_date": (bad.end - np.timedelta64(100, "D")).astype(object),
        "plan_allowance_mb": None,
    }
    bad.add("customers", row, kind, expected, reason, key or {"customer_id": cid, "external_id": ext}, org)


def _add_bad_customers(bad: BadRows, bank_id: str) -> BadCustomers:
    """Customers (of the bank unless said) rejected for a missing customer_id, a missing or unknown
    organisation, a rejected organisation (unknown type, duplicate id), a duplicate customer_id and a
    duplicate external_id (both rows each); valid: one with padded ids and two of the NULL-type
    organisation. Returns the ids the bad transactions refer to."""
    _add_customer(bad, None, bank_id, "BAD_CUST_001", "missing_customer_id", "rejected", "missing_customer_id")
    for org, ext, kind, reason in (
        (None, "BAD_CUST_002", "missing_organization", "missing_organization_id"),
        (UNKNOWN_ORG, "BAD_CUST_003", "unknown_organization", "unknown_organization"),
        (BAD_ORG_UNKNOWN_TYPE, "BAD_CUST_004", "rejected_organization", "rejected_organization"),
        (BAD_ORG_DUPLICATE, "BAD_CUST_005", "rejected_organization", "rejected_organization"),
    ):
        _add_customer(bad, bad.uuid(), org, ext, kind, "rejected", reason)
    duplicate_id = bad.uuid()
    for ext in ("BAD_CUST_006", "BAD_CUST_007"):
        _add_customer(bad, duplicate_id, bank_id, ext, "duplicate_customer_id", "rejected", "duplicate_customer_id")
    for _ in range(2):
        _add_customer(
            bad, bad.uuid(), bank_id, "BAD_CUST_DUP_EXT", "duplicate_external_id", "rejected", "duplicate_external_id"
        )
    padded_id = bad.uuid()
    _add_customer(
        bad,
        f"  {padded_id} ",
        f" {bank_id}  ",
        "BAD_CUST_008",
        "padded_ids",
        "valid",
        "ids are trimmed",
        {"customer_id": padded_id, "external_id": "BAD_CUST_008"},
    )
    of_null_type_org = (bad.uuid(), bad.uuid())
    for i, cid in enumerate(of_null_type_org):
        _add_customer(
            bad, cid, NULL_TYPE_ORG, f"CUST_{i + 1:05d}", "customer_of_null_type_org", "valid", "valid customer"
        )
    return BadCustomers(duplicate_id, padded_id, of_null_type_org)


def _add_transaction(
    bad: BadRows, tid, cid, ts, ttype, kind, expected, reason, org, amount=None, quantity=None, category=None, key=None
) -> None:
    """A transactions row and its manifest entry, keyed by transaction_id unless key is given (by
    customer_id and occurred_at as well when the transaction_id is missing)."""
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


def _add_transactions_of_odd_customers(bad: BadRows, customers: BadCustomers, bank_id: str) -> None:
    """A login of the duplicate customer_id (rejected: unknown_customer, as that customer is
    rejected); valid events of the NULL-type organisation's customers and of the padded customer."""
    _add_transaction(
        bad,
        bad.new_transaction_id("DUPC"),
        customers.duplicate_id,
        bad.ts(20),
        "login",
        "transaction_of_rejected_customer",
        "rejected",
        "unknown_customer",
        bank_id,
    )
    null_type_events = (
        (customers.of_null_type_org[0], 10, "data_usage", {"quantity": 120.0}),
        (customers.of_null_type_org[0], 5, "topup", {"amount": 20.0}),
        (customers.of_null_type_org[1], 40, "bill_payment", {"amount": 30.0, "quantity": 0.0}),
    )
    for cid, days_before_end, ttype, values in null_type_events:
        _add_transaction(
            bad,
            bad.new_transaction_id("NULLORG"),
            cid,
            bad.ts(days_before_end),
            ttype,
            "event_of_null_type_org",
            "valid",
            "valid event",
            NULL_TYPE_ORG,
            **values,
        )
    _add_transaction(
        bad,
        bad.new_transaction_id("PADC"),
        customers.padded_id,
        bad.ts(3),
        "transaction",
        "event_of_padded_customer",
        "valid",
        "valid event",
        bank_id,
        amount=75.0,
        category="checking",
    )


def _add_transactions_with_bad_ids(bad: BadRows, org_type: str, c: OrgCustomers) -> None:
    """An organisation's transactions rejected for a missing transaction_id, a missing customer_id
    and an unknown customer (reason codes: missing_transaction_id, missing_customer_id,
    unknown_customer)."""
    _add_transaction(
        bad,
        None,
        c.customer_id[0],
        bad.ts(10),
        "support_contact",
        "missing_transaction_id",
        "rejected",
        "missing_transaction_id",
        c.org_id,
    )
    _add_transaction(
        bad,
        bad.new_transaction_id("NOCUST"),
        None,
        bad.ts(10),
        VALUE_TYPE[org_type],
        "missing_customer_id",
        "rejected",
        "missing_customer_id",
        c.org_id,
        amount=10.0,
    )
    _add_transaction(
        bad,
        bad.new_transaction_id("UNKCUST"),
        bad.uuid(),
        bad.ts(10),
        VALUE_TYPE[org_type],
        "unknown_customer",
        "rejected",
        "unknown_customer",
        c.org_id,
        amount=10.0,
    )


def _add_transactions_with_bad_values(bad: BadRows, org_type: str, c: OrgCustomers) -> None:
    """An organisation's transactions rejected for one bad value each: an occurred_at that is
    missing, unparseable (not-a-date) or in the future (2099), a transaction_type of another
    industry, a negative amount, a negative quantity (the reason code is the last but one field)."""
    vt = VALUE_TYPE[org_type]
    for tag, ts, ttype, kind, reason, values in (
        ("NOTS", None, vt, "missing_timestamp", "missing_occurred_at", {"amount": 10.0}),
        ("BADTS", "not-a-date", vt, "unparseable_timestamp", "invalid_occurred_at", {"amount": 10.0}),
        ("FUTURE", "2099-01-01 00:00:00", vt, "future_timestamp", "future_occurred_at", {"amount": 10.0}),
        (
            "WRONGTYPE",
            bad.ts(10),
            WRONG_TYPE[org_type],
            "unknown_transaction_type",
            "unknown_transaction_type",
            {"amount": 10.0},
        ),
        ("NEGAMT", bad.ts(10), vt, "negative_amount", "negative_amount", {"amount": -50.0}),
        ("NEGQTY", bad.ts(10), QTY_TYPE[org_type], "negative_quantity", "negative_quantity", {"quantity": -2.0}),
    ):
        tid = bad.new_transaction_id(tag)
        _add_transaction(bad, tid, c.customer_id[0], ts, ttype, kind, "rejected", reason, c.org_id, **values)


def _add_later_copy_of_transaction(bad: BadRows, c: OrgCustomers, sample: dict) -> None:
    """A copy of a clean transaction (sample) an hour later: rejected as duplicate_transaction_id
    (the earlier, original row is kept)."""
    later = (np.datetime64(sample["occurred_at"]) + np.timedelta64(3600, "s")).astype("datetime64[s]")
    later_ts = str(later).replace("T", " ")
    _add_transaction(
        bad,
        sample["transaction_id"],
        sample["customer_id"],
        later_ts,
        sample["transaction_type"],
        "duplicate_transaction_id_later_copy",
        "rejected",
        "duplicate_transaction_id",
        c.org_id,
        amount=sample["amount"],
        quantity=sample["quantity"],
        category=sample["category"],
        key={"transaction_id": sample["transaction_id"], "occurred_at": later_ts},
    )


def _add_duplicate_transaction_id_pairs(bad: BadRows, c: OrgCustomers) -> None:
    """Two pairs of support contacts sharing a transaction_id, one row of each rejected as
    duplicate_transaction_id: in the first pair the row later in the file is the earlier event
    (the first row is rejected), in the second both have one timestamp (raw order decides: the
    second row is rejected)."""
    cid = c.customer_id[0]
    tid = bad.new_transaction_id("DUPORDER")
    for hour, kind, expected, reason in (
        (15, "duplicate_transaction_id_earlier_in_file", "rejected", "duplicate_transaction_id"),
        (9, "duplicate_transaction_id_kept", "valid", "first by occurred_at"),
    ):
        ts = bad.ts(12, hour)
        key = {"transaction_id": tid, "occurred_at": ts}
        _add_transaction(bad, tid, cid, ts, "support_contact", kind, expected, reason, c.org_id, key=key)
    tid = bad.new_transaction_id("DUPSAME")
    for position, kind, expected, reason in (
        (1, "duplicate_transaction_id_same_time_kept", "valid", "first in raw order"),
        (2, "duplicate_transaction_id_same_time", "rejected", "duplicate_transaction_id"),
    ):
        key = {"transaction_id": tid, "raw_position": position}
        _add_transaction(
            bad, tid, cid, bad.ts(14), "support_contact", kind, expected, reason, c.org_id, category="general", key=key
        )


def _add_transactions_to_normalize(bad: BadRows, org_type: str, c: OrgCustomers) -> None:
    """Valid transactions that need normalising: a padded, mixed-case transaction_type (trimmed,
    lower-cased), and a padded transaction_id, customer_id and category (trimmed)."""
    pad_type = {"banking": " LOGIN ", "telecom": "Data_Usage ", "ecommerce": " View"}[org_type]
    _add_transaction(
        bad,
        bad.new_transaction_id("NORM"),
        c.customer_id[0],
        bad.ts(9),
        pad_type,
        "transaction_type_needs_normalization",
        "valid",
        "trimmed, lower-cased",
        c.org_id,
        quantity=50.0 if org_type == "telecom" else None,
    )
    tid = bad.new_transaction_id("NORM")
    cat = {"banking": " Savings ", "telecom": " BILLING", "ecommerce": "Books "}[org_type]
    ttype = {"banking": "transaction", "telecom": "support_contact", "ecommerce": "purchase"}[org_type]
    _add_transaction(
        bad,
        f" {tid}  ",
        f"  {c.customer_id[1]} ",
        bad.ts(8),
        ttype,
        "padded_ids_and_category",
        "valid",
        "trimmed",
        c.org_id,
        amount=None if org_type == "telecom" else 42.5,
        quantity=1.0 if org_type == "ecommerce" else None,
        category=cat,
        key={"transaction_id": tid},
    )


def _add_prediction(bad: BadRows, cid, p, at, kind, expected, reason, org, key_cid=None) -> None:
    """A churn_predictions row and its manifest entry, keyed by customer_id (key_cid if given)."""
    bad.add(
        "churn_predictions",
        {"customer_id": cid, "churn_probability": p, "predicted_at": None if at is None else at.astype(object)},
        kind,
        expected,
        reason,
        {"customer_id": key_cid or cid},
        org,
    )


def _add_bad_predictions(bad: BadRows, c: OrgCustomers) -> None:
    """An organisation's churn predictions rejected for an unknown customer, a NULL predicted_at, a
    missing probability and one above 1 or below 0 (all on the end date, so they would win if they
    were kept); valid: a padded customer_id (older date) and a tie on predicted_at (the larger
    probability wins)."""
    oid = c.org_id
    at_end = np.datetime64(f"{bad.end}T23:30:00").astype("datetime64[us]")
    _add_prediction(bad, bad.uuid(), 0.5, at_end, "unknown_customer", "rejected", "unknown_customer", oid)
    _add_prediction(bad, c.customer_id[2], 0.91, None, "null_predicted_at", "rejected", "missing_predicted_at", oid)
    for cid, p, kind, reason in (
        (c.customer_id[2], None, "missing_probability", "missing_churn_probability"),
        (c.customer_id[3], 1.2, "probability_above_one", "invalid_churn_probability"),
        (c.customer_id[3], -0.05, "probability_below_zero", "invalid_churn_probability"),
    ):
        _add_prediction(bad, cid, p, at_end, kind, "rejected", reason, oid)
    older = (bad.end - np.timedelta64(200, "D")).astype("datetime64[us]")
    _add_prediction(
        bad, f" {c.customer_id[4]}  ", 0.42, older, "padded_customer_id", "valid", "trimmed", oid, c.customer_id[4]
    )
    tie_at = np.datetime64(f"{bad.end}T23:00:00").astype("datetime64[us]")
    for p in (0.2, 0.6):
        _add_prediction(
            bad, c.customer_id[5], p, tie_at, "predicted_at_tie", "valid", "larger probability wins on a tie", oid
        )


def _add_bad_upload_rows(bad: BadRows, tel: OrgCustomers) -> None:
    """Rows appended to the telecom churn upload, each a segmentation error: an unknown customer, a
    non-numeric, an out-of-range and an empty score, and a second, conflicting score of a customer
    (apply_bad_upload notes that customer's own row)."""
    ext = tel.external_id
    for ref, score, kind, reason in (
        ("CUST_NOT_A_CUSTOMER", "0.4", "unknown_customer", "customer_not_found"),
        (ext[0], "abc", "non_numeric_score", "invalid_churn_score"),
        (ext[1], "1.5", "score_above_one", "churn_score_out_of_range"),
        (ext[1], "-0.1", "score_below_zero", "churn_score_out_of_range"),
        (ext[0], "", "empty_score", "missing_churn_score"),
        (ext[2], "0.9100", "conflicting_scores", "conflicting_churn_scores"),
    ):
        bad.upload.append((ref, score))
        bad.note("churn_upload", kind, "upload_error", reason, {"customer_id": ref, "churn_score": score}, tel.org_id)


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
