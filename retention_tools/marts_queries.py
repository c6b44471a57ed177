"""Queries over the marts that the printed summary (summary.py) and the dashboard
(report.py) both read: one function per question, rows as dicts. They read only schema
`marts`, so they work on the published database as well as on the working one."""

from __future__ import annotations

import duckdb


def fetch(con: duckdb.DuckDBPyConnection, sql: str, *params) -> list[dict]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def mart_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the relations in schema marts (some exist only on DuckDB or with history)."""
    return {
        r["table_name"]
        for r in fetch(con, "select table_name from information_schema.tables where table_schema = 'marts'")
    }


MODEL_NAMES = {"mbgnbd": "MBG/NBD", "bgnbd": "BG/NBD", "sbg": "sBG"}


MODEL_ORDER = {"mbgnbd": 0, "bgnbd": 1, "sbg": 2}


# the backtest's sources in the order the summary and the dashboard show them (recency, the
# baseline, last)
BACKTEST_SOURCES = ["model", "churn_prediction", "recency"]


def model_name(model: str) -> str:
    """'MBG/NBD', 'BG/NBD' or 'sBG' for clv_model_params.model."""
    return MODEL_NAMES.get(model, model)


def clv_fits(con: duckdb.DuckDBPyConnection, org_id: str, tables: set[str]) -> list[dict]:
    """The organisation's clv_model_params rows (non-contractual model first, then sBG) with
    its customers' count, average P(alive), lapsed and 365-day value per model; none where the
    CLV models do not run (PostgreSQL, Spark)."""
    if "clv_model_params" not in tables:
        return []
    fits = fetch(
        con,
        """
        select p.*, v.customers, v.valued, v.total_clv, v.avg_p_alive, v.lapsed
        from marts.clv_model_params as p
        left join (
            select model, count(*) as customers, count(clv_365d) as valued, sum(clv_365d) as total_clv,
                   avg(p_alive) as avg_p_alive, count(case when lapsed then 1 end) as lapsed
            from marts.customer_lifetime_value where organization_id = ? group by model
        ) as v using (model)
        where p.organization_id = ?
        """,
        org_id,
        org_id,
    )
    return sorted(fits, key=lambda f: (MODEL_ORDER.get(f["model"], 9), f["model"]))


def backtest(con: duckdb.DuckDBPyConnection, org_id: str, tables: set[str]) -> dict:
    """The organisation's backtest: churn_backtest rows by source (shown order), the
    churn_calibration rows and the clv_backtest rows (each empty where the mart is missing)."""
    sources = []
    if "churn_backtest" in tables:
        sources = fetch(con, "select * from marts.churn_backtest where organization_id = ?", org_id)
    order = {s: i for i, s in enumerate(BACKTEST_SOURCES)}
    sources.sort(key=lambda r: (order.get(r["source"], len(order)), r["source"]))
    calibration = []
    if "churn_calibration" in tables:
        calibration = fetch(
            con, "select * from marts.churn_calibration where organization_id = ? order by source, bin", org_id
        )
    purchases = []
    if "clv_backtest" in tables:
        purchases = fetch(con, "select * from marts.clv_backtest where organization_id = ?", org_id)
        purchases.sort(key=lambda r: (MODEL_ORDER.get(r["model"], 9), r["model"]))
    return {"sources": sources, "calibration": calibration, "purchases": purchases}


def migration_into_this_run(con: duckdb.DuckDBPyConnection, org_id: str, tables: set[str]) -> list[dict]:
    """The organisation's 11 x 11 segment_migration cells from the run before to this run
    (the as_of_date of customer_segments); none without such a pair."""
    if "segment_migration" not in tables:
        return []
    return fetch(
        con,
        """
        select from_as_of_date, to_as_of_date, from_segment, to_segment, customer_count, percentage
        from marts.segment_migration
        where organization_id = ?
          and to_as_of_date = (select max(as_of_date) from marts.customer_segments)
        order by customer_count desc, from_segment, to_segment
        """,
        org_id,
    )


def cohort_triangle(con: duckdb.DuckDBPyConnection, org_id: str, tables: set[str]) -> list[dict]:
    """The organisation's cohort_retention rows by cohort and month since acquisition; none where
    the mart is missing (a database published before it)."""
    if "cohort_retention" not in tables:
        return []
    return fetch(
        con,
        """
        select cohort_month, months_since_acquisition, cohort_customers, active_customers, retention_rate,
               cumulative_revenue_per_customer
        from marts.cohort_retention where organization_id = ?
        order by cohort_month, months_since_acquisition
        """,
        org_id,
    )


def survival_periods(con: duckdb.DuckDBPyConnection, org_id: str, tables: set[str]) -> list[dict]:
    """The organisation's contract_survival rows by period (observed and sBG-predicted survival);
    none without contractual customers or where the mart is missing."""
    if "contract_survival" not in tables:
        return []
    return fetch(
        con,
        """
        select period, eligible_customers, surviving_customers, observed_survival, predicted_survival
        from marts.contract_survival where organization_id = ? order by period
        """,
        org_id,
    )


def organizations(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The run's organisations with name, industry and counts, by industry and name."""
    return fetch(
        con,
        """
        select s.organization_id, o.organization_name, o.org_type, s.total_customers,
               s.segmented, s.upload_rows, s.error_count, s.success
        from marts.segmentation_run_summary as s
        left join marts.organizations as o on o.organization_id = s.organization_id
        order by o.org_type, o.organization_name
        """,
    )


def as_of_date(con: duckdb.DuckDBPyConnection):
    return fetch(con, "select max(as_of_date) as d from marts.segment_distribution")[0]["d"]
