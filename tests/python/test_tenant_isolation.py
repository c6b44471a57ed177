"""Organisations never influence each other: changing one organisation's raw rows leaves every
other organisation's marts unchanged, and Parquet and CSV inputs give the same marts."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from conftest import generate
from dbt_runner import make_project

AS_OF = {"as_of_date": "2026-11-01"}
MART_KEYS = {
    "customer_segments": "customer_id",
    "segment_distribution": "segment",
    "segmentation_run_summary": "organization_id",
    "segmentation_errors": "customer_ref, message",
    "cohort_retention": "cohort_month, months_since_acquisition",
    "contract_survival": "period",
}
VOLATILE = {"assigned_at"}


def mart_rows(project, mart: str, organization_id: str) -> list[tuple]:
    rows = project.query(
        f"select * from marts.{mart} where organization_id = '{organization_id}' order by {MART_KEYS[mart]}"
    )
    return [tuple(v for k, v in sorted(r.items()) if k not in VOLATILE) for r in rows]


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("tenant_raw"), "--customers", "120", "--seed", "5")


def test_changing_one_organization_leaves_the_others_unchanged(tmp_path, raw_dir):
    base = make_project(tmp_path / "base", raw_dir, upload_csv=raw_dir / "upload.csv")
    base.build(vars=AS_OF)
    orgs = {
        r["org_type"]: r["organization_id"]
        for r in base.query("select organization_id, org_type from marts.customer_segments group by all")
    }
    banking = orgs["banking"]

    # Change the banking organisation only: drop half its transactions, double the amounts of
    # the rest, remove a few of its customers and add a new one with the external id of another
    # organisation's customer.
    changed = tmp_path / "changed_raw"
    shutil.copytree(raw_dir, changed)
    with duckdb.connect() as con:
        con.execute(f"""
            create temp table banking_customers as
            select customer_id from read_parquet('{raw_dir}/customers.parquet')
            where organization_id = '{banking}'
        """)
        con.execute(f"""
            copy (
                select t.* replace (
                    case when t.customer_id in (select customer_id from banking_customers)
                         then t.amount * 2 else t.amount end as amount)
                from read_parquet('{raw_dir}/transactions.parquet') as t
                where t.customer_id not in (select customer_id from banking_customers)
                   or hash(t.transaction_id) % 2 = 0
            ) to '{changed}/transactions.parquet' (format parquet)
        """)
        con.execute(f"""
            copy (
                select * from read_parquet('{raw_dir}/customers.parquet')
                where organization_id != '{banking}' or hash(customer_id) % 10 != 0
                union all by name
                select 'new-banking-customer' as customer_id, '{banking}' as organization_id,
                       'CUST_00001' as external_id
            ) to '{changed}/customers.parquet' (format parquet)
        """)
    other = make_project(tmp_path / "changed", changed, upload_csv=raw_dir / "upload.csv")
    other.build(vars=AS_OF)

    assert mart_rows(base, "customer_segments", banking) != mart_rows(other, "customer_segments", banking)
    assert mart_rows(base, "cohort_retention", banking) != mart_rows(other, "cohort_retention", banking)
    assert mart_rows(base, "contract_survival", orgs["telecom"])  # compared below: not empty
    for org_type in ("telecom", "ecommerce"):
        for mart in MART_KEYS:
            assert mart_rows(base, mart, orgs[org_type]) == mart_rows(other, mart, orgs[org_type]), (org_type, mart)


def test_csv_input_gives_the_same_marts_as_parquet(tmp_path, raw_dir):
    csv_dir = generate(tmp_path / "csv_raw", "--customers", "120", "--seed", "5", "--format", "csv")
    parquet = make_project(tmp_path / "parquet", raw_dir, upload_csv=raw_dir / "upload.csv")
    csv = make_project(tmp_path / "csv", csv_dir, upload_csv=csv_dir / "upload.csv")
    parquet.build(vars=AS_OF)
    csv.build(vars=AS_OF)
    for org in parquet.query("select organization_id from marts.segmentation_run_summary"):
        for mart in MART_KEYS:
            assert mart_rows(parquet, mart, org["organization_id"]) == mart_rows(csv, mart, org["organization_id"]), (
                mart
            )
