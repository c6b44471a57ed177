"""The hand-made fixture shared by test_handmade_segmentation and test_handmade_behavior: its
organisations, the build, and helpers (rules sections 2-8, 10).

Every expected value below was worked out BY HAND from the rules (docs/rules.md) and the project's
decisions, never copied from the project's output. The arithmetic is in the comments.

Fixture: tests/python/fixtures/handmade/ (raw CSVs + upload.csv), as_of_date = 2026-06-01.

    last window      [2026-05-02, 2026-06-01)     (behaviour part, at the end of this file)
    previous window  [2026-04-02, 2026-05-02)
    RFM lookback     [2025-06-01, 2026-06-01)     (365 days)

Organisations
    TEL = 7e1e...000a  org_type " Telecom "  -> telecom   (11 valid customers, n-1 = 10)
    ECO = ec00...000b  org_type "ECOMMERCE"  -> ecommerce ( 5 valid customers, n-1 = 4)
    BAD = bad0...000c  org_type "retail"     -> rejected (and its one customer with it)
    BNK = ba00...000d  org_type "Banking "   -> banking   (11 valid customers, n-1 = 10)
    TLB = 7e1e...000e  org_type empty        -> telecom   ( 5 valid customers, n-1 = 4)
    ECB = ec00...000f  org_type " eCommerce " -> ecommerce ( 3 valid customers, n-1 = 2)
BNK, TLB and ECB were added for the behaviour marts (rules section 7, second half of this file).
They are separate organisations so that nothing of TEL/ECO changes (tenant isolation; as_of_date
is fixed by var). BNK's CUST_001 shares its external_id with TEL's and ECO's: the upload
(TEL's) must not touch it.
The upload (upload.csv) belongs to TEL (var churn_upload_organization_id). CUST_001 exists in
both TEL and ECO; CUST_012 exists only in ECO.

Mid-rank score: score(x) = 100 * (count(y < x) + 0.5 * (count(y = x) - 1)) / (n - 1)
  TEL (n = 11): score = 10 * less + 5 * (ties - 1)
  ECO (n = 5):  score = 25 * less + 12.5 * (ties - 1)
  BNK (n = 11): score = 10 * less + 5 * (ties - 1)
  TLB (n = 5):  score = 25 * less + 12.5 * (ties - 1)
  ECB (n = 3):  score = 50 * less + 25 * (ties - 1)
For recency "less" means "worse" = more days or NULL.
Categories: High > 70, Medium 30..70 (inclusive), Low < 30.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path

from dbt_runner import DbtProject, make_project

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "handmade"
AS_OF = "2026-06-01"
TEL = "7e1e0000-0000-4000-8000-00000000000a"
ECO = "ec000000-0000-4000-8000-00000000000b"
BAD = "bad00000-0000-4000-8000-00000000000c"
T6_UUID = "a1000000-0000-4000-8000-000000000006"
BNK = "ba000000-0000-4000-8000-00000000000d"
TLB = "7e1e0000-0000-4000-8000-00000000000e"
ECB = "ec000000-0000-4000-8000-00000000000f"

ORG_TYPE = {TEL: "telecom", ECO: "ecommerce", BNK: "banking", TLB: "telecom", ECB: "ecommerce"}

# Values where x.xx5 may round either way in binary floating point get a 0.01 tolerance; all
# scores and money use it (the brief: within 0.01).
TOL = 0.0101


def _f(x):
    return None if x is None else float(x)


def copy_raw(raw: Path) -> Path:
    """The fixture's raw tables (not the upload) copied into ``raw``, which is created."""
    raw.mkdir(parents=True, exist_ok=True)
    for name in ("organizations", "customers", "transactions", "churn_predictions"):
        shutil.copy2(FIXTURE / f"{name}.csv", raw / f"{name}.csv")
    return raw


def built_project(tmp_path_factory) -> DbtProject:
    """The fixture built once per test run (as_of_date AS_OF, the upload belonging to TEL), shared
    by the test modules even when they run on different xdist workers: the first to get the
    lock builds, the others wait for it and read the same DuckDB file. The build's return code
    and output are kept (``build_result``): a failing dbt data test must not hide the value
    comparisons, and test_build_succeeds reports the build itself."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the workers of this run
    tmp = base / "handmade_build"
    with open(base / "handmade_build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = tmp / "build_result.json"
        if not done.exists():
            shutil.rmtree(tmp, ignore_errors=True)
            raw = copy_raw(tmp / "raw")
            proj = make_project(tmp, raw, upload_csv=FIXTURE / "upload.csv")
            proc = proj.build(
                vars={"as_of_date": AS_OF, "churn_upload_organization_id": TEL}, check=False, unit_tests=True
            )
            done.write_text(json.dumps({"returncode": proc.returncode, "stdout": proc.stdout[-6000:]}))
    proj = DbtProject(
        root=tmp / "project", raw_dir=(tmp / "raw").resolve(), db_path=(tmp / "retention.duckdb").resolve()
    )
    proj.build_result = json.loads(done.read_text())
    return proj
