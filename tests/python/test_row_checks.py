"""The project's merged data tests: row_checks (tests/generic/row_checks.sql), one scan that
checks a mart's NULLs, accepted values, JSON kinds and row conditions and names each broken one
with the number of rows breaking it, and primary_key (tests/generic/primary_key.sql), a key
never NULL and never repeated. Run on a copy of the hand-made fixture's marts (handmade.py)
where customer_segments was broken on purpose, and on the untouched original."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from dbt_runner import DbtProject
from handmade import AS_OF, TEL, built_project


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return built_project(tmp_path_factory)


def _compiled_test(project: DbtProject, target_path, name: str, prefix: str, model: str = "customer_segments") -> str:
    """The compiled SQL of ``model``'s test ``name`` whose file name starts with ``prefix``
    (compiled into ``target_path``, not the shared project's target folder)."""
    project.run(
        "compile",
        "--select",
        f"test_name:{name},{model}",
        "--target-path",
        str(target_path),
        vars={"as_of_date": AS_OF, "churn_upload_organization_id": TEL},
    )
    compiled = list(target_path.glob(f"compiled/**/{prefix}*.sql"))
    assert len(compiled) == 1, compiled
    return compiled[0].read_text()


def _compiled_row_checks(project: DbtProject, target_path) -> str:
    return _compiled_test(project, target_path, "row_checks", "row_checks_customer_segments_")


def test_primary_key_returns_each_repeated_key_and_the_null_key(project, tmp_path):
    sql = _compiled_test(project, tmp_path / "target", "primary_key", "primary_key_customer_segments_customer_id")
    with duckdb.connect(str(project.db_path), read_only=True) as con:
        assert con.execute(sql).fetchall() == []  # the built marts pass
    broken = tmp_path / project.db_path.name
    shutil.copy2(project.db_path, broken)
    with duckdb.connect(str(broken)) as con:
        ids = [
            r[0] for r in con.execute("select customer_id from marts.customer_segments order by customer_id").fetchall()
        ]
        con.execute(
            "update marts.customer_segments set customer_id = ? where customer_id in (?, ?)", [ids[0], *ids[1:3]]
        )
        con.execute("update marts.customer_segments set customer_id = null where customer_id in (?, ?)", ids[3:5])
        failures = sorted(con.execute(sql).fetchall(), key=str)
    assert failures == sorted([(ids[0], 3), (None, 2)], key=str)


def test_unique_combination_latest_of_checks_only_the_latest_slice(project, tmp_path):
    """stg_history__segment_history's key is checked on the latest committed date only: a
    repeated row there is returned with its count, one of an older date is not."""
    sql = _compiled_test(
        project,
        tmp_path / "target",
        "unique_combination",
        "unique_combination_stg_h",
        model="stg_history__segment_history",
    )
    broken = tmp_path / project.db_path.name
    shutil.copy2(project.db_path, broken)
    with duckdb.connect(str(broken)) as con:
        assert con.execute(sql).fetchall() == []  # the built history passes
        latest = con.execute("select max(as_of_date) from marts.segment_history").fetchone()[0]
        org, customer = con.execute(
            "select organization_id, customer_id from marts.segment_history "
            "where as_of_date = ? order by customer_id limit 1",
            [latest],
        ).fetchone()
        con.execute(
            "insert into marts.segment_history select * from marts.segment_history "
            "where as_of_date = ? and customer_id = ?",
            [latest, customer],
        )
        assert con.execute(sql).fetchall() == [(org, customer, latest, 2)]
        con.execute("delete from marts.segment_history where as_of_date = ? and customer_id = ?", [latest, customer])
        con.execute(
            "insert into marts.segment_history by name select * replace (as_of_date - 30 as as_of_date) "
            "from marts.segment_history where as_of_date = ? limit 1",
            [latest],
        )
        con.execute(
            "insert into marts.segment_history by name select * replace (as_of_date - 30 as as_of_date) "
            "from marts.segment_history where as_of_date = ? limit 1",
            [latest],
        )
        assert (
            con.execute("select count(*) from marts.segment_history where as_of_date < ?", [latest]).fetchone()[0] >= 2
        )
        assert con.execute(sql).fetchall() == []  # an older date is not the latest slice


def test_row_checks_names_each_broken_invariant_with_its_row_count(project, tmp_path):
    sql = _compiled_row_checks(project, tmp_path / "target")
    with duckdb.connect(str(project.db_path), read_only=True) as con:
        assert con.execute(sql).fetchall() == []  # the built marts pass
    broken = tmp_path / project.db_path.name  # same file name: the compiled SQL names its catalog
    shutil.copy2(project.db_path, broken)
    with duckdb.connect(str(broken)) as con:
        ids = [
            r[0] for r in con.execute("select customer_id from marts.customer_segments order by customer_id").fetchall()
        ]
        con.execute("update marts.customer_segments set monetary = null where customer_id = ?", [ids[0]])
        con.execute("update marts.customer_segments set org_type = 'retail' where customer_id in (?, ?)", ids[1:3])
        # NULL is not a value outside the accepted ones
        con.execute(
            "update marts.customer_segments set churn_score_source = null, churn_score = null, "
            "churn_risk_level = 'Unknown' where customer_id = ?",
            [ids[3]],
        )
        con.execute("update marts.customer_segments set metadata = '[1]' where customer_id = ?", [ids[4]])
        con.execute("update marts.customer_segments set segment_score = 100.5 where customer_id = ?", [ids[5]])
        failures = sorted(con.execute(sql).fetchall())
    assert failures == sorted(
        [
            ("monetary is not null", 1),
            ("org_type in (banking, telecom, ecommerce)", 2),
            ("metadata is a JSON object", 1),
            ("segment_score between 0 and 100 and rfm_score between 0 and 100", 1),
        ]
    )
