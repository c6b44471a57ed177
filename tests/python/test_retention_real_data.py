"""The acquisition-cohort triangle (cohort_retention, rules section 12.1) on real data: the full
CDNOW cohort (23,570 customers who first bought in 1997-01 .. 1997-03, their 69,659 purchases
until 1998-06-30; tests/python/real_data.py) as one ecommerce organisation, built by `dbt build`
on DuckDB and compared, row by row, with the triangle computed here in pandas from the rule
(docs/retention.md), in exact integer cents rounded half away from zero with Decimal.

The purchases' times are written four ways, every one an instant of the CDNOW day in UTC:
naive midnight (taken as UTC), 19:00 of the day before at -05:00, 08:59:59 of the day after at
+09:00, and noon with a Z. A month that took the local date instead of the UTC one would
move the purchases on the first and last days of a month into the next or previous month.

Besides the full triangle at 1998-07-01 (every cohort, January's k = 0 .. 17), the mart is
rebuilt at two mid-month dates (the month of as_of_date is not complete, and 1997-03-15 leaves
the March cohort out altogether) and with a window of cohort_months that ends before January
(whose customers then belong to no cohort, never to a later one)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext

import numpy as np
import pandas as pd
import pytest

from dbt_runner import make_project
from real_data import cdnow_master

ORG = "cd000000-0000-4000-8000-0000000000c1"
AS_OF = "1998-07-01"
COHORT_MONTHS = 24  # the default of var cohort_months
# as_of_date and var cohort_months of each case; the first is the full build.
CASES = {
    "full": (AS_OF, COHORT_MONTHS),
    "mid_april": ("1997-04-15", COHORT_MONTHS),
    "mid_march": ("1997-03-15", COHORT_MONTHS),
    "window_after_january": (AS_OF, 17),
}
COLUMNS = [
    "cohort_customers",
    "active_customers",
    "retention_rate",
    "revenue",
    "cumulative_revenue_per_customer",
]
DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """The CDNOW purchases with their amounts in exact cents and occurred_at as written."""
    df = cdnow_master(dtype=str)
    day = pd.to_datetime(df["date"], format="%Y%m%d")
    dollars = df["dollar_value"].map(Decimal)
    cents = dollars * 100
    assert (cents == cents.map(int)).all(), "amounts of more than 2 decimals"
    assert (dollars == 0).sum() > 0  # purchases of 0 are value events too
    forms = np.column_stack(
        [
            day.dt.strftime("%Y-%m-%d 00:00:00"),
            (day - DAY).dt.strftime("%Y-%m-%dT19:00:00-05:00"),
            (day + DAY).dt.strftime("%Y-%m-%d 08:59:59+09:00"),
            day.dt.strftime("%Y-%m-%dT12:00:00Z"),
        ]
    )
    form = np.arange(len(df)) % 4
    events = pd.DataFrame(
        {
            "cdnow_id": df["customer_id"],
            "customer_id": "cd000000-0000-4000-8000-" + df["customer_id"].str.zfill(12),
            "day": day,
            "occurred_at": forms[np.arange(len(df)), form],
            "cents": cents.map(int),
            "amount": df["dollar_value"].astype(float),
            "quantity": df["number_of_cds"].astype(float),
        }
    )
    # the instants, read here independently of the project's parser: every one in its CDNOW day (UTC)
    events["at"] = pd.to_datetime(events["occurred_at"], format="ISO8601", utc=True).dt.tz_localize(None)
    assert (events["at"].dt.normalize() == events["day"]).all()
    # the probe reaches month ends: local dates in another month than the UTC one
    local_month = pd.to_datetime(events["occurred_at"].str[:10]).dt.to_period("M")
    assert (local_month != events["day"].dt.to_period("M")).sum() > 100
    return events


def _write_raw(raw, events: pd.DataFrame) -> None:
    raw.mkdir(parents=True)
    pd.DataFrame([{"organization_id": ORG, "name": "CDNOW", "org_type": "ecommerce"}]).to_parquet(
        raw / "organizations.parquet", index=False
    )
    customers = events.drop_duplicates("cdnow_id")
    external_ids = "CUST_" + customers["cdnow_id"]
    pd.DataFrame(
        {"customer_id": customers["customer_id"], "organization_id": ORG, "external_id": external_ids}
    ).to_parquet(raw / "customers.parquet", index=False)
    pd.DataFrame(
        {
            "transaction_id": [f"CDNOW-{i:05d}" for i in range(len(events))],
            "customer_id": events["customer_id"],
            "occurred_at": events["occurred_at"],
            "transaction_type": "purchase",
            "amount": events["amount"],
            "quantity": events["quantity"],
            "category": "music",
        }
    ).to_parquet(raw / "transactions.parquet", index=False)


def _mart_rows(project) -> pd.DataFrame:
    return pd.DataFrame(project.query("select * from marts.cohort_retention"))


@pytest.fixture(scope="module")
def built(tmp_path_factory, cdnow):
    """The project built on CDNOW (`dbt build` of cohort_retention and all it reads, with their
    data tests), then cohort_retention rebuilt for each other case: ({case: its mart rows},
    the full build's counts of valid customers and value events)."""
    tmp = tmp_path_factory.mktemp("cdnow_retention")
    _write_raw(tmp / "raw", cdnow)
    project = make_project(tmp, tmp / "raw")
    results = {}
    for case, (as_of, months) in CASES.items():
        variables = {"as_of_date": as_of, "cohort_months": months, "churn_upload_from": "none"}
        # the full build: the mart, all it reads and their data tests (not those that read other
        # marts too); then what depends on as_of_date or cohort_months, and their data tests
        select = "+cohort_retention" if case == "full" else "int_as_of_date_resolved+,+cohort_retention"
        project.build("--select", select, "--indirect-selection", "cautious", vars=variables)
        if case == "full":
            valid = project.query(
                "select (select count(*) from intermediate.int_customers_validated where reject_reason_code is null)"
                " as customers, (select count(*) from intermediate.int_transactions_validated"
                " where reject_reason_code is null and is_value_event) as transactions"
            )[0]
        results[case] = _mart_rows(project)
    return results, valid


def _half_up(numerator: int, denominator: int, digits: int) -> Decimal:
    """numerator / denominator rounded half away from zero (both >= 0) to ``digits`` decimals, exactly."""
    with localcontext() as context:
        context.prec = 60
        return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)


def expected_triangle(events: pd.DataFrame, as_of: str, cohort_months: int) -> dict[tuple, tuple]:
    """The triangle from the rule: {(cohort_month, k): (cohort_customers, active_customers,
    retention_rate, revenue, cumulative_revenue_per_customer)}, the last three as Decimals."""
    as_of = pd.Timestamp(as_of)
    seen = events[events["at"] < as_of].assign(month=lambda e: e["at"].dt.to_period("M"))
    months = seen.groupby(["customer_id", "month"], as_index=False)["cents"].sum()
    months["cohort"] = months.groupby("customer_id")["month"].transform("min")

    def complete(month: pd.Period) -> bool:
        return (month + 1).start_time <= as_of

    first_cohort = as_of.to_period("M") - cohort_months
    triangle = {}
    for cohort, members in months.groupby("cohort"):
        if cohort < first_cohort or not complete(cohort):
            continue
        size = members["customer_id"].nunique()
        per_month = members.groupby("month").agg(active=("customer_id", "nunique"), cents=("cents", "sum"))
        cumulative, k = 0, 0
        while complete(cohort + k):
            month = cohort + k
            active, cents = (
                (int(per_month.at[month, "active"]), int(per_month.at[month, "cents"]))
                if month in per_month.index
                else (0, 0)
            )
            cumulative += cents
            triangle[(cohort.start_time.date(), k)] = (
                size,
                active,
                _half_up(active, size, 4),
                _half_up(cents, 100, 2),
                _half_up(cumulative, 100 * size, 2),
            )
            k += 1
    return triangle


def _mart_triangle(rows: pd.DataFrame) -> dict[tuple, tuple]:
    return {
        (row.cohort_month, row.months_since_acquisition): tuple(getattr(row, c) for c in COLUMNS)
        for row in rows.itertuples()
    }


@pytest.mark.parametrize("case", CASES)
def test_cohort_retention_equals_pandas(built, cdnow, case):
    as_of, months = CASES[case]
    rows = built[0][case]
    assert len(rows) > 0
    assert (rows["organization_id"] == ORG).all()
    assert (rows["as_of_date"] == dt.date.fromisoformat(as_of)).all()
    mart, expected = _mart_triangle(rows), expected_triangle(cdnow, as_of, months)
    assert len(mart) == len(rows)  # one row per cohort and k
    assert sorted(mart) == sorted(expected)
    wrong = [
        (key, mart[key], expected[key])
        for key in sorted(expected)
        if mart[key][:2] != expected[key][:2] or list(mart[key][2:]) != [float(v) for v in expected[key][2:]]
    ]
    assert not wrong, f"{len(wrong)} rows differ (mart, pandas), first: {wrong[:5]}"


def test_cdnow_facts(built, cdnow):
    results, valid = built
    # every CDNOW row is a valid customer or value event
    assert valid == {"customers": 23_570, "transactions": 69_659}
    full = results["full"]
    cohorts = full.groupby("cohort_month")
    sizes = cohorts["cohort_customers"].first()
    assert {str(m): n for m, n in sizes.items()} == {"1997-01-01": 7_846, "1997-02-01": 8_476, "1997-03-01": 7_248}
    assert sizes.sum() == 23_570
    assert cohorts["months_since_acquisition"].max().tolist() == [17, 16, 15]  # to 1998-06
    assert (cohorts["months_since_acquisition"].count() == cohorts["months_since_acquisition"].max() + 1).all()
    first = full[full["months_since_acquisition"] == 0]
    assert (first["active_customers"] == first["cohort_customers"]).all() and (first["retention_rate"] == 1).all()
    # every cent of CDNOW is in the triangle, and the last cumulative value per customer is all
    # of it (within the rounding: half a cent per customer)
    assert round(full["revenue"].sum(), 2) == float(_half_up(int(cdnow["cents"].sum()), 100, 2)) == 2_500_315.63
    last = full.loc[cohorts["months_since_acquisition"].idxmax()]
    spent = (last["cumulative_revenue_per_customer"] * last["cohort_customers"]).sum()
    assert abs(spent - 2_500_315.63) <= 0.005 * 23_570
    # mid-month: as_of_date's month is not shown; on 1997-03-15 the March customers are in no cohort
    april = results["mid_april"]
    assert april["cohort_month"].max() == dt.date(1997, 3, 1) and april["months_since_acquisition"].max() == 2
    assert len(april) == 3 + 2 + 1
    march = results["mid_march"]
    assert sorted(set(march["cohort_month"])) == [dt.date(1997, 1, 1), dt.date(1997, 2, 1)] and len(march) == 2 + 1
    assert set(march["cohort_customers"]) == {7_846, 8_476}
    # a window that starts in February keeps February's and March's cohorts as they were
    window = results["window_after_january"]
    assert sorted(set(window["cohort_month"])) == [dt.date(1997, 2, 1), dt.date(1997, 3, 1)]
    same = window.merge(full, on=["cohort_month", "months_since_acquisition"], suffixes=("", "_full"))
    assert len(same) == len(window) == 17 + 16
    for column in COLUMNS:
        assert (same[column] == same[f"{column}_full"]).all(), column
