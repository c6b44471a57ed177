"""Two checkouts share one virtual environment (installed from the first, this repository): a
command of the second runs the second's code on the second's project, never the installed
package's checkout (scripts/_checkout.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from dbt_runner import PROJECT_ROOT, make_project
from handmade import TEL

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "handmade"
PROBE = """
import os as _os

if _os.environ.get("CHECKOUT_PROBE"):  # added by test_two_checkouts: which checkout's code runs
    Path(_os.environ["CHECKOUT_PROBE"]).write_text(str(PROJECT_ROOT))
"""


def _second_checkout(tmp_path: Path):
    """A second checkout: the dbt project (with the hand-made fixture's upload) and its Python."""
    project = make_project(tmp_path / "second", FIXTURE, upload_csv=FIXTURE / "upload.csv")
    for name in ("retention_tools", "retention_clv", "scripts"):
        shutil.copytree(PROJECT_ROOT / name, project.root / name, ignore=shutil.ignore_patterns("__pycache__"))
    init = project.root / "retention_tools" / "__init__.py"
    init.write_text(init.read_text() + PROBE)
    settings = project.root / "dbt_project.yml"
    settings.write_text(
        settings.read_text().replace(
            'churn_upload_organization_id: "8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b02"',
            f'churn_upload_organization_id: "{TEL}"',
        )
    )
    return project


def test_a_command_runs_its_own_checkouts_code_on_its_own_project(tmp_path):
    second = _second_checkout(tmp_path)
    elsewhere = tmp_path / "elsewhere"  # run from neither checkout
    elsewhere.mkdir()
    probe = tmp_path / "probe.txt"
    env = {**second.env(), "CHECKOUT_PROBE": str(probe), "DBT_PROFILES_DIR": str(PROJECT_ROOT)}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [sys.executable, str(second.root / "scripts" / "scheduled_run.py"), "--as-of-date", "2026-06-01", "--quiet"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert probe.read_text() == str(second.root)  # the second checkout's retention_tools ran
    assert (second.root / "target" / "run_results.json").exists()  # dbt built the second checkout's project
    assert second.query("select count(*) as n from marts.customer_segments")[0]["n"] > 0
