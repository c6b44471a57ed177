"""Every model, analysis and singular test passes sqlfluff (dbt templater, .sqlfluff)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dbt_runner import PROJECT_ROOT

SQLFLUFF = shutil.which("sqlfluff", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(SQLFLUFF is None, reason="requirements-lint.txt is not installed")
def test_sql_passes_sqlfluff(tmp_path):
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_DUCKDB_PATH": str(tmp_path / "lint.duckdb"),
    }
    proc = subprocess.run(
        [SQLFLUFF, "lint", "models", "analyses", "tests"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    assert "All Finished" in proc.stdout
