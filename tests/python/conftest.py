"""Shared fixtures: generated raw data sets, built project copies, a local PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

import generator_data
from dbt_runner import PROJECT_ROOT

GENERATOR = PROJECT_ROOT / "scripts" / "generate_synthetic_data.py"
# The modules left out of the quick loop (scripts/test.sh --quick, pytest -m "not slow"): they
# build generated data sets, other engines, scheduled runs, benchmarks or the dashboard, or lint.
# The quick loop keeps the hand-made fixture's DuckDB build (every dbt unit and data test) and
# the Python unit tests.
SLOW_MODULES = {
    "test_alternative_inputs",
    "test_bad_files",
    "test_benchmark",
    "test_benchmark_clv",
    "test_clv_dbt",
    "test_clv_references_engines",
    "test_cross_engine",
    "test_spark_session",
    "test_spark_history_commit",
    "test_postgres_publish",
    "test_dashboard_and_analyses",
    "test_dbt_build",
    "test_history_and_publishing",
    "test_history_kill_and_overlap",
    "test_history_out_of_order",
    "test_integration_project",
    "test_lint",
    "test_raw_folders",
    "test_retention_real_data",
    "test_targets",
    "test_tenant_isolation",
    "test_two_checkouts",
}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.module.__name__ in SLOW_MODULES or item.name == "test_spark_dataframe":
            item.add_marker(pytest.mark.slow)


def generate(out: Path, *args: str) -> Path:
    """Run the generator into ``out`` (raw tables + ``out/upload.csv``) and return ``out``."""
    subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(out), "--upload", str(out / "upload.csv"), *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return out


def central_difference(fun, point, rel_step=1e-6):
    """Numerical gradient of ``fun`` at ``point`` (central differences), to check analytic ones."""
    point = np.asarray(point, dtype=float)
    grad = np.empty_like(point)
    for i in range(len(point)):
        h = rel_step * max(abs(point[i]), 1.0)
        e = np.zeros_like(point)
        e[i] = h
        grad[i] = (fun(point + e) - fun(point - e)) / (2 * h)
    return grad


def assert_gradient(lik, params, rtol=1e-5, atol=1e-4):
    """A likelihood's analytic gradient equals central differences, in its parameters and in
    log-parameter space as the optimiser sees it (``atol`` relative to the largest component)."""
    _, analytic = lik.loglik_grad(params)
    numeric = central_difference(lik.loglik, params)
    assert np.allclose(analytic, numeric, rtol=rtol, atol=atol * np.abs(numeric).max())
    theta = np.log(params)
    numeric_theta = central_difference(lambda t: lik.objective(t)[0], theta)
    assert np.allclose(lik.objective(theta)[1], numeric_theta, rtol=rtol, atol=atol * 1e-3)


@pytest.fixture(scope="session")
def bad_raw_dir(tmp_path_factory) -> Path:
    """A small generated data set with bad rows of every kind (parquet)."""
    return generate(tmp_path_factory.mktemp("bad_raw"), "--customers", "150", "--seed", "11", "--bad")


@contextmanager
def local_server(script: str, parent: Path, variables: dict):
    """A server of scripts/<script> (`start`, then `stop`, with ``variables`` in its
    environment): yields the variables its `start` prints as `export NAME=value` lines; once
    stopped, ``parent`` (its directory) is deleted."""
    env = {**os.environ, **variables}
    path = PROJECT_ROOT / "scripts" / script
    proc = subprocess.run(["bash", str(path), "start"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    try:
        yield dict(
            line.removeprefix("export ").split("=", 1) for line in proc.stdout.split("\n") if line.startswith("export ")
        )
    finally:
        subprocess.run(["bash", str(path), "stop"], env=env, capture_output=True, text=True)
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres():
    """A local PostgreSQL server for this module; yields its libpq variables."""
    # Not under pytest's tmp_path: the server runs as the `postgres` user when we are root and
    # must be able to reach its directory.
    parent = Path(tempfile.mkdtemp(prefix="retention-pg-"))
    parent.chmod(0o755)
    with local_server("pg_local.sh", parent, {"PG_LOCAL_DIR": str(parent / "server")}) as variables:
        yield variables


@pytest.fixture(scope="module")
def spark_server():
    """A local Spark server for this module (scripts/spark_server.sh: the `spark_thrift`
    target's Thrift server and Spark Connect in one JVM, its metastore in a directory of its
    own); yields its SPARK_* variables."""
    parent = Path(tempfile.mkdtemp(prefix="retention-spark-"))
    with local_server(
        "spark_server.sh", parent, {"SPARK_LOCAL_DIR": str(parent), "PYSPARK_PYTHON": sys.executable}
    ) as variables:
        yield variables


# The generator tests' data sets (test_generator*.py), one per module that uses them.
@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    return generator_data.generate(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    return generator_data.generate(tmp_path_factory.mktemp("bad"), "--bad")


@pytest.fixture(scope="module")
def run_2000(tmp_path_factory):
    """2,000 customers per organisation (seed 42)."""
    return generator_data.generate(tmp_path_factory.mktemp("run2000"), customers=2000)[0]
