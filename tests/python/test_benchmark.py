"""scripts/benchmark.py runs end to end on a tiny size and writes every field (not a speed test)."""
from __future__ import annotations

import json
import subprocess
import sys

from dbt_runner import PROJECT_ROOT


def test_benchmark_writes_every_field(tmp_path):
    output = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "benchmark.py"), "--customers", "60",
         "--output", str(output), "--workdir", str(tmp_path / "work")],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(output.read_text())
    assert result["customers"] == 180
    assert result["events"] > 180 * 20
    for key in ("generate_seconds", "build_seconds", "floor_seconds", "peak_rss_mb", "build_to_floor"):
        assert isinstance(result[key], (int, float)) and result[key] > 0, key
    assert result["build_seconds"] > result["floor_seconds"]
    models = {p.stem for p in (PROJECT_ROOT / "models").rglob("*") if p.suffix in (".sql", ".py")}
    seconds = [row["seconds"] for row in result["slowest_models"]]
    assert len(seconds) == 8 and seconds == sorted(seconds, reverse=True)
    assert {row["name"] for row in result["slowest_models"]} <= models
    assert all(row["seconds"] >= 0 for row in result["slowest_models"] + result["slowest_tests"])
    assert "slowest models:" in proc.stdout and "build_seconds" in proc.stdout

    # --reuse-data builds again on the data of the first run instead of generating it;
    # --history-runs times a scheduled run with that many runs in the history.
    again = tmp_path / "again.json"
    proc = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "benchmark.py"), "--customers", "60",
         "--output", str(again), "--workdir", str(tmp_path / "work"), "--reuse-data", "--history-runs", "1,4"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    second = json.loads(again.read_text())
    assert second["generate_seconds"] is None and "reusing the data" in proc.stdout
    assert second["events"] == result["events"] and second["build_seconds"] > 0
    assert [row["runs_kept"] for row in second["history_runs"]] == [1, 4]
    for row in second["history_runs"]:
        assert row["run_seconds"] > 0 and row["segment_migration"] > 0 and row["publish_seconds"] is not None
    assert result["history_runs"] == [] and "runs kept" in proc.stdout
