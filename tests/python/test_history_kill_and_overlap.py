"""Runs killed or overlapping never lose or invent history (scripts/scheduled_run.py).

After one passed run (D1), a run of D2 is killed with SIGKILL at each stage: while the build
runs, after the staged history models were built (before the build's end, so before the
commit), after the commit but before publishing, and while publishing (its new file
written, the rename not done). Afterwards the history holds exactly the dates of the runs
whose build passed, and the published file is one of those runs, whole. Then two runs at once:
while a scheduled run is held after its history models, a second scheduled run exits with
code 75 and a plain `dbt build` of another date fails on the database lock; the held run then
commits and publishes alone.

Deterministic on a busy machine: a run is stopped at a stage by a test-only blocker (a Python
model in the project copy, or a patched `publish`), which writes a file when it is reached and
then waits; the test kills only once that file exists, so no step depends on timing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import generate
from dbt_runner import DBT, PROJECT_ROOT, make_project

SCRIPTS = PROJECT_ROOT / "scripts"
D1, D2, D3 = "2026-09-02", "2026-10-02", "2026-11-01"
BLOCKER = '''
import os
import time
from pathlib import Path


def model(dbt, session):
    """Test only: holds the build after the staged history models until released."""
    dbt.config(materialized="table")
    dbt.ref("history_runs_staged")
    dbt.ref("segment_history_staged")
    dbt.ref("segment_migration_staged")
    dbt.ref("behavior_signal_history_staged")
    if os.environ.get("BLOCKER_REACHED"):
        Path(os.environ["BLOCKER_REACHED"]).touch()
        while not Path(os.environ["BLOCKER_RELEASE"]).exists():
            time.sleep(0.1)
    return session.sql("select 1 as released")
'''
# Runs scheduled_run.main with publish() stopped at a stage: before it starts ("publish"), or
# when it is about to rename the new file over the published one ("rename").
WRAPPER = """
import os, sys, time
from pathlib import Path
import retention_tools.publish as publishing
import retention_tools.scheduled_run as scheduled_run
stage, reached, release = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])

def hold():
    reached.touch()
    while not release.exists():
        time.sleep(0.1)

real_publish, real_replace = scheduled_run.publish, os.replace
def held_publish(*args):
    if stage == "publish":
        hold()
    return real_publish(*args)
def held_replace(source, destination):
    if stage == "rename" and Path(destination).suffix == ".duckdb":
        hold()
    return real_replace(source, destination)
scheduled_run.publish = held_publish
publishing.os.replace = held_replace
sys.exit(scheduled_run.main(sys.argv[4:]))
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kill")
    raw = generate(tmp / "raw", "--customers", "60", "--seed", "11")
    project = make_project(tmp, raw, upload_csv=raw / "upload.csv")
    (project.root / "models" / "zz_test_blocker.py").write_text(BLOCKER)
    project.published = project.db_path.parent / "published" / "retention.duckdb"
    proc = _start(project, [SCRIPTS / "scheduled_run.py", "--as-of-date", D1, "--quiet"]).wait(timeout=600)
    assert proc == 0
    return project


def _env(project, signals: Path | None = None) -> dict:
    env = {**project.env(), "RETENTION_PUBLISHED_PATH": str(project.published)}
    if signals:
        env.update(BLOCKER_REACHED=str(signals / "reached"), BLOCKER_RELEASE=str(signals / "release"))
    return env


def _start(project, args: list, signals: Path | None = None, script: list | None = None) -> subprocess.Popen:
    """Start a process in a session of its own, so that killing it kills dbt too."""
    cmd = [sys.executable, *(script or []), *[str(a) for a in args], "--project-dir", str(project.root)]
    return subprocess.Popen(
        cmd,
        cwd=project.root,
        env=_env(project, signals),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(
                f"the run ended before its stage: {proc.stdout.read()[-4000:]}{proc.stderr.read()[-4000:]}"
            )
        assert time.monotonic() < deadline, "the stage was never reached"
        time.sleep(0.1)


def _kill(proc: subprocess.Popen, project) -> None:
    """SIGKILL the run and every process of its session (dbt too), and wait until they are gone:
    the database's lock is free (a killed process with many threads takes a moment to end)."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    deadline = time.monotonic() + 120
    while True:
        try:
            duckdb.connect(str(project.db_path), read_only=True).close()
            return
        except duckdb.IOException:
            assert time.monotonic() < deadline, "the killed run still holds the database"
            time.sleep(0.1)


def _history_dates(project) -> dict[str, set[str]]:
    with duckdb.connect(str(project.db_path), read_only=True) as con:
        return {
            table: {str(d) for (d,) in con.execute(f"select distinct {column} from marts.{table}").fetchall()}
            for table, column in (
                ("history_runs", "as_of_date"),
                ("segment_history", "as_of_date"),
                ("behavior_signal_history", "as_of_date"),
                ("segment_migration", "to_as_of_date"),
            )
        }


def _published(project) -> tuple[str, set[str]]:
    """The published run's date and the dates of its history, read as a reader would."""
    with duckdb.connect(str(project.published), read_only=True) as con:
        as_of = str(con.execute("select as_of_date from marts.published_run").fetchone()[0])
        dates = {str(d) for (d,) in con.execute("select distinct as_of_date from marts.segment_history").fetchall()}
    return as_of, dates


def _held_run(project, tmp: Path, stage: str, as_of_date: str) -> tuple[subprocess.Popen, Path]:
    signals = tmp / f"{stage}-{as_of_date}"
    signals.mkdir()
    args = ["--as-of-date", as_of_date, "--quiet"]
    if stage == "build":
        proc = _start(project, [SCRIPTS / "scheduled_run.py", *args], signals)
    else:
        proc = _start(project, [stage, signals / "reached", signals / "release", *args], script=["-c", WRAPPER])
    _wait_for(signals / "reached", proc)
    return proc, signals


@pytest.mark.parametrize("stage, committed", [("build", False), ("publish", True), ("rename", True)])
def test_a_run_killed_at_any_stage_leaves_only_runs_that_passed(project, tmp_path, stage, committed):
    before = _history_dates(project)
    published_before = _published(project)
    proc, _ = _held_run(project, tmp_path, stage, D2)
    _kill(proc, project)
    after = _history_dates(project)
    # killed after the history models, before the build ended: nothing of D2; killed after
    # its build passed (and committed), before the publication was in place: D2 is history
    expected = {table: dates | {D2} if committed else dates - {D2} for table, dates in before.items()}
    expected["segment_migration"] = {d for d in expected["history_runs"] if d != min(expected["history_runs"])}
    assert after == expected
    assert _published(project) == published_before  # the last publication, whole
    # the next run is not hindered by anything the killed one left behind
    assert _start(project, [SCRIPTS / "scheduled_run.py", "--as-of-date", D2, "--quiet"]).wait(timeout=600) == 0
    assert _history_dates(project)["history_runs"] == before["history_runs"] | {D2}
    assert _published(project) == (D2, before["history_runs"] | {D2})
    # and the killed publication's partial copy is gone
    assert [p.name for p in project.published.parent.iterdir() if p.name.startswith(".")] == []


def test_two_runs_at_once_one_runs_the_other_changes_nothing(project, tmp_path):
    before = _history_dates(project)["history_runs"]
    held, signals = _held_run(project, tmp_path, "build", D3)
    try:
        second = _start(project, [SCRIPTS / "scheduled_run.py", "--as-of-date", "2026-08-01", "--quiet"])
        assert second.wait(timeout=120) == 75, second.stderr.read()
        assert len(second.stderr.read().strip().splitlines()) == 1
        # dbt itself, bypassing the script's lock: the database is held, it fails and writes nothing
        direct = subprocess.run(
            [
                DBT,
                "build",
                "--project-dir",
                str(project.root),
                "--profiles-dir",
                str(project.root),
                "--vars",
                '{"as_of_date": "2026-08-01"}',
            ],
            cwd=tmp_path,
            env=_env(project),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert direct.returncode != 0
    finally:
        (signals / "release").touch()
    out, err = held.communicate(timeout=600)
    assert held.returncode == 0, out[-3000:] + err[-3000:]
    assert _history_dates(project)["history_runs"] == before | {D3}
    assert _published(project) == (D3, before | {D3})
