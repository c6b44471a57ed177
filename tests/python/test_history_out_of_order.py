"""Runs out of order give the history of the same dates run in order. On the cross-engine data
set (two_part.py: the hand-made fixture and a generated data set with bad rows, lines no reader
can take), on DuckDB: a history build of the latest date, a scheduled run of the earliest, the
earliest once more (a re-run replaces its rows), then a backfill between them, which rewrites
the later run's carried values and migration; against the three dates built in order, in a
database of their own. DuckDB alone runs this longer sequence: it runs the same SQL and the
same kinds of commit (deletes of the dates a run replaces, then inserts) as the backfill of
test_cross_engine.py, whose history is compared on every engine with DuckDB's."""

from __future__ import annotations

import pytest

from dbt_runner import make_project
from engines import HISTORY_TABLES, _normalize, dump_marts, run_history
from two_part import BETWEEN, EARLIEST, HISTORY_IN_ORDER, LATEST, two_part_raw

OUT_OF_ORDER = ((LATEST, "history"), (EARLIEST, "scheduled"), (EARLIEST, "history"), (BETWEEN, "history"))


def history(project, runs) -> dict[str, list[dict]]:
    run_history(project, "duckdb", runs)
    return dump_marts(project, "duckdb", relations=HISTORY_TABLES)


@pytest.fixture(scope="module")
def histories(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("history_order")
    raw, upload = two_part_raw(tmp)
    return {
        "out_of_order": history(make_project(tmp / "out_of_order", raw, upload_csv=upload), OUT_OF_ORDER),
        "in_order": history(
            make_project(tmp / "in_order", raw, upload_csv=upload),
            tuple((as_of_date, "history") for as_of_date in HISTORY_IN_ORDER),
        ),
    }


@pytest.mark.parametrize("table", HISTORY_TABLES)
def test_history_out_of_order_equals_in_order(histories, table):
    in_order = histories["in_order"][table]
    assert in_order, f"{table} is empty: the comparison would prove nothing"
    assert _normalize(histories["out_of_order"][table]) == _normalize(in_order)


def test_every_date_is_in_the_history(histories):
    for name, dumps in histories.items():
        assert {r["as_of_date"] for r in dumps["history_runs"]} == set(HISTORY_IN_ORDER), name
