"""scripts/benchmark_clv.py runs end to end on a small size and writes its fields (not a speed test)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dbt_runner import PROJECT_ROOT


def test_benchmark_clv_fits_and_reports(tmp_path):
    output = tmp_path / "clv.json"
    proc = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "benchmark_clv.py"), "--customers", "5000",
         "--output", str(output), "--workdir", str(tmp_path / "work")],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(output.read_text())
    assert result["customers"] == 5000 and result["purchases"] > 5000 * 5
    assert all(result["models"][name] is not None for name in result["models"])
    assert result["fit"]["converged"] and result["fit"]["customers_fitted"] == 5000
    # the simulation's own parameters come back roughly (5,000 customers: loose)
    assert result["fit"]["r"] == pytest.approx(1.0, rel=0.25)
    assert result["fit"]["alpha"] == pytest.approx(20.0, rel=0.25)
    for key in ("bgnbd_fit_seconds", "gamma_gamma_fit_seconds", "score_organisations_seconds", "clv_stage_seconds"):
        assert result[key] >= 0, key
