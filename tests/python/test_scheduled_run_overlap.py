"""One scheduled run at a time: a run started while another holds the project or the working
database exits at once with exit code 75 and one line, and changes nothing (no build, no
history, no publication). Deterministic: the test itself holds the lock, no timing involved."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dbt_runner import PROJECT_ROOT, make_project
from retention_tools.scheduled_run import EXIT_BUSY, exclusive_run

SCRIPTS = PROJECT_ROOT / "scripts"


@pytest.fixture
def project(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    return make_project(tmp_path, raw, upload_csv="customer_id,churn_score\n")


def _run(project, script: str, *args: str) -> subprocess.CompletedProcess:
    env = {**project.env(), "RETENTION_PUBLISHED_PATH": str(project.db_path.parent / "published.duckdb")}
    return subprocess.run(
        [sys.executable, str(SCRIPTS / script), "--project-dir", str(project.root), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _untouched(project) -> None:
    assert not project.db_path.exists()  # no build opened the database
    assert not (project.db_path.parent / "published.duckdb").exists()  # nothing was published
    assert not (project.root / "target" / "run_results.json").exists()  # dbt never ran


@pytest.mark.parametrize("held", ["project", "database"])
def test_a_second_run_exits_at_once_and_changes_nothing(project, held):
    working = project.db_path if held == "database" else project.root / "elsewhere.duckdb"
    project_dir = project.root if held == "project" else project.root.parent / "other_project"
    with exclusive_run(project_dir, working):
        proc = _run(project, "scheduled_run.py", "--as-of-date", "2026-06-01")
    assert proc.returncode == EXIT_BUSY, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "another scheduled run is using" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    _untouched(project)


def test_a_backfill_stops_at_once_when_another_run_holds_the_database(project):
    with exclusive_run(project.root.parent / "other_project", project.db_path):
        proc = _run(project, "backfill.py", "--start", "2026-04-01", "--end", "2026-06-01", "--every", "1m")
    assert proc.returncode == EXIT_BUSY, proc.stdout + proc.stderr
    assert "[1/3] as_of_date 2026-04-01: not run, stopping: another scheduled run" in proc.stderr
    _untouched(project)


def test_the_lock_is_released_when_a_run_ends(project):
    with exclusive_run(project.root, project.db_path):
        pass
    with exclusive_run(project.root, project.db_path):  # taken again at once: nothing left behind
        pass
    assert os.path.exists(project.root / "target" / "scheduled_run.lock")


def test_a_killed_run_leaves_no_lock_behind(project):
    """The lock belongs to the process: `kill -9` of a run frees it (no stale lock file to clean)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from retention_tools.scheduled_run import exclusive_run\n"
            "with exclusive_run(Path(sys.argv[1]), Path(sys.argv[2])):\n"
            "    print('locked', flush=True); time.sleep(600)",
            str(project.root),
            str(project.db_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert _run(project, "scheduled_run.py").returncode == EXIT_BUSY
    finally:
        holder.kill()
        holder.wait()
    with exclusive_run(project.root, project.db_path):
        pass
