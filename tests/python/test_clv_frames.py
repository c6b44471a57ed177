"""retention_clv.frames: the one helper that turns a warehouse relation into pandas (a DuckDB
relation and a local Spark DataFrame, as a warehouse that runs Python models hands it over),
and the per-reference scoring every engine runs."""

from __future__ import annotations

import os

import duckdb
import numpy as np
import pandas as pd
import pytest

import retention_clv as clv
from retention_clv.frames import SUMMARY_COLUMNS, score_reference, score_references, to_pandas


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    """Two references of one organisation, with every type the summary has (NULL m, lapsed)."""
    s = clv.simulate(300, seed=2)
    s.insert(0, "organization_id", "org")
    s["customer_id"] = [f"c{i}" for i in range(len(s))]
    s["setting"] = "noncontractual"
    s["periods_paid"] = pd.array([None] * len(s), dtype="Int64")
    s["lapsed"] = pd.array([None] * len(s), dtype="boolean")
    s["contract_amount_total"] = np.nan
    both = pd.concat([s.assign(reference="as_of"), s.head(200).assign(reference="calibration")])
    return both[["reference", *SUMMARY_COLUMNS]].reset_index(drop=True)


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    got = got.sort_values("customer_id").reset_index(drop=True)
    want = want.sort_values("customer_id").reset_index(drop=True)
    assert list(got.columns) == SUMMARY_COLUMNS
    for c in SUMMARY_COLUMNS:
        a, b = got[c].astype(object), want[c].astype(object)
        assert [None if pd.isna(v) else v for v in a] == [None if pd.isna(v) else v for v in b], c


def test_duckdb_relation(summary):
    con = duckdb.connect()
    con.register("summary_df", summary)
    relation = con.table("summary_df")
    for reference, n in (("as_of", 300), ("calibration", 200)):
        got = to_pandas(relation, SUMMARY_COLUMNS, reference)
        assert len(got) == n
        _same(got, summary[summary["reference"] == reference][SUMMARY_COLUMNS])


def test_spark_dataframe(summary):
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark import sql as pyspark  # requirements-spark.txt: installed by the test command

    spark = (
        pyspark.SparkSession.builder.master("local[1]")
        .appName("frames")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    try:
        frame = spark.createDataFrame(summary.astype(object).where(summary.notna(), None))
        got = to_pandas(frame, SUMMARY_COLUMNS, "calibration")
        assert len(got) == 200
        _same(got, summary[summary["reference"] == "calibration"][SUMMARY_COLUMNS])
    finally:
        spark.stop()


def test_score_references_scores_each_reference_on_its_own(summary):
    scored = score_references(lambda r: to_pandas(summary, SUMMARY_COLUMNS, r))
    assert scored.groupby("reference").size().to_dict() == {"as_of": 300, "calibration": 200}
    for reference in ("as_of", "calibration"):
        alone, params = clv.score_organizations(to_pandas(summary, SUMMARY_COLUMNS, reference))
        part = scored[scored["reference"] == reference].reset_index(drop=True)
        assert np.array_equal(part["churn_probability"], alone["churn_probability"], equal_nan=True)
        assert (part["fit_variant"] == params["variant"].iloc[0]).all()
        assert (part["r"] == params["r"].iloc[0]).all()


def test_scoring_in_parts_by_organization_and_setting_equals_scoring_the_whole():
    """What the Spark fit step relies on (one applyInPandas task per reference, organisation
    and setting): each organisation and setting is fitted on its own."""
    parts = []
    for number, seed in enumerate((3, 4)):
        s = clv.simulate(150, seed=seed)
        s.insert(0, "organization_id", f"org{number}")
        s["customer_id"] = [f"o{number}c{i}" for i in range(len(s))]
        s["setting"] = "noncontractual"
        s["periods_paid"] = pd.array([None] * len(s), dtype="Int64")
        s["lapsed"] = pd.array([None] * len(s), dtype="boolean")
        s["contract_amount_total"] = np.nan
        contracts = clv.simulate_contracts(120, seed=seed)
        contracts.insert(0, "organization_id", f"org{number}")
        contracts["customer_id"] = [f"o{number}k{i}" for i in range(len(contracts))]
        contracts["setting"] = "contractual"
        contracts[["x", "t_x", "T", "m"]] = [0, 0, 30, np.nan]  # read by the non-contractual model only
        parts.append(pd.concat([s, contracts], ignore_index=True))
    whole = pd.concat(parts, ignore_index=True)[SUMMARY_COLUMNS].sample(frac=1, random_state=0)
    at_once = score_reference(whole.reset_index(drop=True), "as_of")
    by_group = pd.concat(
        [
            score_reference(group.reset_index(drop=True), "as_of")
            for _, group in whole.groupby(["organization_id", "setting"])
        ]
    )
    assert set(at_once["model"]) == {"mbgnbd", "sbg"} and at_once["converged"].all()
    key = ["customer_id"]
    a, b = (f.sort_values(key).reset_index(drop=True) for f in (at_once, by_group))
    pd.testing.assert_frame_equal(a, b[a.columns])
