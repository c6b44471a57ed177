"""The `spark` target: dbt's in-process Spark session (a JVM per invocation, the metastore in
the project's .spark/), the default way to run the project on Spark without a server. The
cross-engine tests build on the `spark_thrift` server, which runs the same SQL; what is the
session's own is how the raw tables are loaded (load_raw.py, dbt's session) and how the fit
step reaches Spark (dbt's session in the step's process instead of Spark Connect). Both run
here on the hand-made fixture, and the prediction marts built from them equal those DuckDB
builds from the same copy of the project (numbers to a relative 1e-6)."""

from __future__ import annotations

import pytest

from dbt_runner import make_project
from engines import PREDICTION_MARTS, assert_dumps_equal, dump_marts, fit, load_raw
from handmade import AS_OF, FIXTURE, TEL, copy_raw

pytest.importorskip("pyspark", reason="requirements-spark.txt is not installed")

VARS = {"as_of_date": AS_OF, "churn_upload_organization_id": TEL}  # the hand-made build's


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    """The prediction marts and what feeds them built on DuckDB, then on the session."""
    tmp = tmp_path_factory.mktemp("spark_session")
    project = make_project(tmp, copy_raw(tmp / "raw"), upload_csv=FIXTURE / "upload.csv")
    project.extra_env = {"SPARK_LOCAL_IP": "127.0.0.1"}
    dumps = {}
    for target in ("duckdb", "spark"):
        after_fit = []
        if target == "spark":
            load_raw(project, project.raw_dir, target)
            after_fit = fit(project, target, VARS)  # leaves out what the fit step built
        project.run(
            "run", "--target", target, "--select", *(f"+{mart}" for mart in PREDICTION_MARTS), *after_fit, vars=VARS
        )
        dumps[target] = dump_marts(project, target, relations=PREDICTION_MARTS, vars=VARS)
    return dumps


def test_the_session_loads_fits_and_builds_what_duckdb_builds(marts):
    assert_dumps_equal(marts["duckdb"], marts["spark"], "spark (session)")
