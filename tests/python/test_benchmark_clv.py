"""scripts/benchmark_clv.py runs end to end on a small size and writes its fields (not a speed test)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dbt_runner import PROJECT_ROOT


def test_benchmark_clv_fits_both_settings_and_reports(tmp_path):
    output = tmp_path / "clv.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "benchmark_clv.py"),
            "--customers",
            "10000",
            "--output",
            str(output),
            "--workdir",
            str(tmp_path / "work"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(output.read_text())
    assert result["customers"] == 10000 and result["contractual_customers"] == 3000
    assert all(result["models"][name] is not None for name in result["models"]), result["models"]
    fits = {f["model"]: f for f in result["fits"]}
    assert set(fits) == {"mbgnbd", "sbg"} and all(f["converged"] for f in fits.values()), fits
    # heterogeneous customers in both settings: the full variants are worth their parameters
    assert fits["mbgnbd"]["variant"] == fits["sbg"]["variant"] == "full", fits
    assert fits["mbgnbd"]["customers_fitted"] + fits["sbg"]["customers_fitted"] == 10000
    # the simulation's own parameters come back roughly (7,000 and 3,000 customers: loose)
    assert fits["mbgnbd"]["r"] == pytest.approx(1.0, rel=0.25)
    assert fits["mbgnbd"]["alpha"] == pytest.approx(20.0, rel=0.25)
    assert fits["sbg"]["sbg_alpha"] == pytest.approx(0.704, rel=0.3)
    assert fits["sbg"]["sbg_beta"] == pytest.approx(1.182, rel=0.3)
    assert {b["source"] for b in result["backtest"]} == {"model", "recency"}
    for key in (
        "mbgnbd_fit_seconds",
        "mbgnbd_variants_fit_seconds",
        "gamma_gamma_fit_seconds",
        "score_organizations_seconds",
        "prediction_stage_seconds",
    ):
        assert result[key] >= 0, key
