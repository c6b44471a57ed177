"""What the generator tests share: running the generator on small sizes and reading what it
wrote (test_generator*.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from retention_tools.project_vars import raw_table_columns, transaction_types, value_transaction_types

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "generate_synthetic_data.py"
TABLES = ["organizations", "customers", "transactions", "churn_predictions"]
COLUMNS = {table: list(raw_table_columns()[table]) for table in TABLES}  # the raw contract (dbt_project.yml)
ORG_IDS = {
    "banking": "8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b01",
    "telecom": "8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b02",
    "ecommerce": "8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b03",
}
TYPES = {industry: set(types) for industry, types in transaction_types().items()}  # the project's var
VALUE_TYPES = value_transaction_types()  # the project's var: which events are value events
END = pd.Timestamp("2026-10-31")
SEGMENTS = [
    "Champions",
    "Loyal Customers",
    "Potential Loyalists",
    "New Customers",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Cannot Lose Them",
    "Hibernating",
    "Lost",
]

# every rejection kind of rules section 10 (and of the upload, section 5) that --bad must add
REQUIRED_REJECTIONS = {
    ("organizations", "missing_organization_id"),
    ("organizations", "unknown_org_type"),
    ("organizations", "duplicate_organization_id"),
    ("customers", "missing_customer_id"),
    ("customers", "missing_organization_id"),
    ("customers", "unknown_organization"),
    ("customers", "rejected_organization"),
    ("customers", "duplicate_customer_id"),
    ("customers", "duplicate_external_id"),
    ("transactions", "missing_transaction_id"),
    ("transactions", "missing_customer_id"),
    ("transactions", "unknown_customer"),
    ("transactions", "missing_occurred_at"),
    ("transactions", "invalid_occurred_at"),
    ("transactions", "future_occurred_at"),
    ("transactions", "unknown_transaction_type"),
    ("transactions", "negative_amount"),
    ("transactions", "negative_quantity"),
    ("transactions", "duplicate_transaction_id"),
    ("churn_predictions", "unknown_customer"),
    ("churn_predictions", "missing_predicted_at"),
    ("churn_predictions", "missing_churn_probability"),
    ("churn_predictions", "invalid_churn_probability"),
    ("churn_upload", "customer_not_found"),
    ("churn_upload", "invalid_churn_score"),
    ("churn_upload", "churn_score_out_of_range"),
    ("churn_upload", "missing_churn_score"),
    ("churn_upload", "conflicting_churn_scores"),
}


def generate(out: Path, *args: str, customers: int = 300, seed: int = 42) -> tuple[Path, Path]:
    upload = out / "upload.csv"
    cmd = [
        sys.executable,
        str(SCRIPT),
        "--customers",
        str(customers),
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--upload",
        str(upload),
        *args,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "summary" in proc.stdout
    return out, upload


def read(out: Path, table: str) -> pd.DataFrame:
    pqf = out / f"{table}.parquet"
    if pqf.exists():
        return pq.read_table(pqf).to_pandas()
    return pd.read_csv(out / f"{table}.csv", dtype=str, keep_default_na=False, na_values=[""])


def read_upload(upload: Path) -> pd.DataFrame:
    return pd.read_csv(upload, dtype=str, keep_default_na=False)


def with_org_type(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    orgs, cust, tx = read(out, "organizations"), read(out, "customers"), read(out, "transactions")
    cust = cust.merge(orgs[["organization_id", "org_type"]], on="organization_id", how="left")
    tx = tx.merge(cust[["customer_id", "org_type", "organization_id"]], on="customer_id", how="left")
    return cust, tx
