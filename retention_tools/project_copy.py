"""Run the dbt project in an isolated copy (for end-to-end tests and benchmarks).

A copy of the project (models, macros, seeds, dbt tests) in a directory of its own, with its
own raw directory, upload CSV and DuckDB file, never touches the developer's ``data/``,
``seeds/`` upload or ``target/``, so tests and benchmarks can run in any order.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from retention_tools import DBT, PROJECT_ROOT

_COPIED = ["dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "analyses"]
UPLOAD_SEED = "synthetic_churn_predictions.csv"


@dataclass
class DbtProject:
    root: Path
    raw_dir: Path
    db_path: Path
    extra_env: dict = field(default_factory=dict)  # e.g. the PG* variables of the postgres target

    def run(self, *args: str, vars: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``dbt <args>`` in the copy; raise with dbt's output when it fails and ``check``."""
        cmd = [DBT, *args, "--project-dir", str(self.root), "--profiles-dir", str(self.root)]
        if vars:
            cmd += ["--vars", json.dumps(vars)]
        proc = subprocess.run(cmd, cwd=self.root, env=self.env(), capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise AssertionError(f"dbt {' '.join(args)} failed:\n{proc.stdout[-20000:]}\n{proc.stderr[-5000:]}")
        return proc

    def build(
        self,
        *args: str,
        vars: dict | None = None,
        check: bool = True,
        target: str | None = None,
        unit_tests: bool = False,
    ) -> subprocess.CompletedProcess:
        """``dbt build`` (with ``args``); the dbt unit tests only with ``unit_tests`` (they check
        the code, not the data: the builds that run them are named, the others save their cost)."""
        return self.run(
            "build",
            *args,
            *(["--target", target] if target else []),
            *([] if unit_tests else ["--exclude-resource-type", "unit_test"]),
            vars=vars,
            check=check,
        )

    def show(self, sql: str, target: str | None = None, vars: dict | None = None) -> list[dict]:
        """Every row of ``sql`` (Jinja: refs allowed) on ``target``, through dbt itself (`dbt
        show`), typed as JSON types them: the same call on every engine."""
        proc = self.run(
            "show",
            *(["--target", target] if target else []),
            "--inline",
            sql,
            "--limit",
            "-1",
            "--output",
            "json",
            "--log-format",
            "json",
            vars=vars,
        )
        for line in proc.stdout.splitlines():
            event = json.loads(line) if line.startswith("{") else {}
            if event.get("info", {}).get("name") == "ShowNode":
                return json.loads(event["data"]["preview"])
        raise AssertionError(f"dbt show gave no rows:\n{proc.stdout[-3000:]}")

    def env(self) -> dict:
        """The environment of a command on the copy. dbt imports the raw-file reader (the
        DuckDB profile's plugin) and the CLV package from the folder of profiles.yml, which in
        a copy holds no Python: PYTHONPATH makes them this checkout's."""
        python_path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
        return {
            **os.environ,
            "RAW_DATA_DIR": str(self.raw_dir),
            "DBT_DUCKDB_PATH": str(self.db_path),
            "DO_NOT_TRACK": "1",
            "PYTHONPATH": python_path,
            **self.extra_env,
        }

    def run_results(self) -> list[dict]:
        return json.loads((self.root / "target" / "run_results.json").read_text())["results"]

    def query(self, sql: str) -> list[dict]:
        """Rows of ``sql`` against the built DuckDB file, as dicts."""
        with duckdb.connect(str(self.db_path), read_only=True) as con:
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]


def copy_project(root: Path) -> Path:
    """Copy what dbt reads of the project (and its dbt tests) into ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name in _COPIED:
        src = PROJECT_ROOT / name
        if src.is_dir():
            shutil.copytree(src, root / name, dirs_exist_ok=True)
        elif src.exists():
            shutil.copy2(src, root / name)
    tests_dir = PROJECT_ROOT / "tests"
    shutil.copytree(
        tests_dir, root / "tests", ignore=shutil.ignore_patterns("python", "__pycache__"), dirs_exist_ok=True
    )
    return root


def make_project(tmp_path: Path, raw_dir: Path, upload_csv: str | Path | None = None) -> DbtProject:
    """Copy the project into ``tmp_path/project``; ``upload_csv`` (text or a path) replaces the upload seed."""
    root = copy_project(tmp_path / "project")
    if upload_csv is not None:
        target = root / "seeds" / UPLOAD_SEED
        if isinstance(upload_csv, Path):
            shutil.copy2(upload_csv, target)
        else:
            target.write_text(upload_csv)
    return DbtProject(root=root, raw_dir=Path(raw_dir).resolve(), db_path=(tmp_path / "retention.duckdb").resolve())
