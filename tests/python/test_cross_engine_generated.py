"""The same project on DuckDB, PostgreSQL and Spark gives the same marts for a generated data
set with bad rows of every kind (Parquet), compared as tests/python/engines.py describes.
Spark here is the `spark` target's in-process session (the hand-made fixture and the CLV
references use the `spark_thrift` target's server), built as a scheduled run does it."""
from __future__ import annotations

import pytest

from conftest import generate
from engines import assert_marts_equal, build_all

pytest.importorskip("pyspark", reason="requirements-spark.txt is not installed")


@pytest.fixture(scope="module")
def generated(tmp_path_factory, postgres):
    tmp = tmp_path_factory.mktemp("generated_cross")
    raw = generate(tmp / "raw", "--customers", "200", "--seed", "7", "--bad")
    return build_all(tmp, raw, raw / "upload.csv", "generated", postgres, None, {})


@pytest.mark.parametrize("engine", ["postgres", "spark"])
def test_generated_bad_data_gives_the_same_marts(generated, engine):
    assert_marts_equal(generated, engine, may_be_empty=frozenset({"segment_migration"}))  # one run only
    rejects = generated.query("select count(*) as n from marts.data_quality_rejects")[0]["n"]
    assert rejects > 20  # the comparison covers rejects of many kinds


