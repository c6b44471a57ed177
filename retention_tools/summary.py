"""Print the demo's results per organisation from the built DuckDB marts.

For every organisation: the segment distribution (all 11 segments, counts and
percentages), the churn upload's errors, the segment moves since the previous run (when
segment_history holds one), the behaviour analysis (average behaviour score, customers by
activity trend, top priority actions), each customer-lifetime-value model's fit or why there
is none, retention (month-1 and month-3 retention of the latest acquisition cohorts that have
them; for contracts, the renewal period where observed and sBG-predicted survival differ
most), and the backtest (the churn scores made at calibration_date
against who churned by as_of_date: churn rate, AUC and top-decile lift per source; the purchases
the models predicted against those that happened); then the raw rows rejected by data quality
checks. It reads only schema `marts`, so
it works on the published database as well as on the working one.

    python scripts/summary.py [--db data/retention.duckdb] [--target NAME] [--errors 5] [--actions 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from retention_tools import PROJECT_ROOT
from retention_tools.dbt_target import open_marts
from retention_tools.marts_queries import (
    as_of_date,
    backtest,
    clv_fits,
    cohort_triangle,
    fetch,
    mart_tables,
    migration_into_this_run,
    model_name,
    organizations,
    survival_periods,
)


def behavior_lines(con: duckdb.DuckDBPyConnection, org_id: str, max_actions: int) -> list[str]:
    """Average behaviour score, customers by activity trend and the top priority actions."""
    rows = fetch(
        con,
        """
        select i.total_customers, i.avg_behavior_score, i.customers_increasing, i.customers_stable,
               i.customers_declining, i.customers_unknown, r.error_count
        from marts.behavior_insights as i
        join marts.behavior_run_summary as r using (organization_id)
        where i.organization_id = ?
        """,
        org_id,
    )
    if not rows:
        return []
    b = rows[0]
    avg = "n/a" if b["avg_behavior_score"] is None else f"{b['avg_behavior_score']:.2f}"
    lines = [
        f"  behaviour: {b['total_customers']:,} analysed ({b['error_count']:,} without events), "
        f"average score {avg}; activity increasing {b['customers_increasing']:,}, "
        f"stable {b['customers_stable']:,}, declining {b['customers_declining']:,}, "
        f"unknown {b['customers_unknown']:,}",
    ]
    actions = fetch(
        con,
        """
        select priority_rank, risk_signal, affected_customers, percentage, urgency, recommendation
        from marts.behavior_signal_summary
        where organization_id = ? and priority_rank is not null
        order by priority_rank limit ?
        """,
        org_id,
        max_actions,
    )
    if actions:
        lines.append("  top priority actions:")
    for a in actions:
        lines.append(
            f"    {a['priority_rank']}. {a['risk_signal']} - {a['affected_customers']:,} customers "
            f"({a['percentage']:.2f}%, {a['urgency']}): {a['recommendation']}"
        )
    return lines


def fit_description(fit: dict) -> str:
    """'MBG/NBD (full) r=.. alpha=.. d a=.. b=.. on N customers, AIC ..' (the published variant
    and its parameters: homogeneous dropout 'r=.. alpha=.. d theta=..', no dropout 'r=.. alpha=..
    d', sBG full 'alpha=.. beta=..', geometric 'theta=..') or '<model> not fitted - <reason>'."""
    name = model_name(fit["model"])
    if not fit["converged"]:
        return f"{name} not fitted - {fit['reason']}"
    variant = fit["variant"]
    if fit["model"] == "sbg":
        params = (
            f"alpha={fit['sbg_alpha']:.3f} beta={fit['sbg_beta']:.3f}"
            if variant == "full"
            else f"theta={fit['dropout_probability']:.4f}"
        )
    else:
        params = f"r={fit['r']:.3f} alpha={fit['alpha']:.2f} d"
        if variant == "full":
            params += f" a={fit['a']:.3f} b={fit['b']:.3f}"
        elif variant == "homogeneous_dropout":
            params += f" theta={fit['dropout_probability']:.4f}"
    return (
        f"{name} ({variant.replace('_', ' ')}) {params} on {fit['customers_fitted']:,} customers, AIC {fit['aic']:,.1f}"
    )


def clv_lines(con: duckdb.DuckDBPyConnection, org_id: str, tables: set[str]) -> list[str]:
    """One line per model the organisation has customers for: its fit and what it predicts, or
    why there is none; then for how many customers model churn is the churn score (DuckDB only)."""
    fits = clv_fits(con, org_id, tables)
    if not fits:
        return []
    lines = []
    for fit in fits:
        line = f"  lifetime value: {fit_description(fit)}"
        if fit["converged"]:
            if fit["model"] == "sbg":
                line += f", {fit['lapsed'] or 0:,} lapsed"
            elif fit["avg_p_alive"] is not None:
                line += f", average P(alive) {fit['avg_p_alive']:.2f}"
            if fit["valued"]:
                line += f", expected 365-day value {fit['total_clv']:,.2f}"
            if fit["reason"]:
                line += f" ({fit['reason']})"
        lines.append(line)
    model_churn = fetch(
        con,
        "select count(*) as n from marts.customer_segments where organization_id = ? and churn_score_source = 'model'",
        org_id,
    )[0]["n"]
    horizon = "the churn horizon"
    if "churn_backtest" in tables:
        days = fetch(con, "select max(horizon_days) as d from marts.churn_backtest")[0]["d"]
        horizon = horizon if days is None else f"the next {days} days"
    lines.append(
        f"    model churn (probability of no value event in {horizon}) is the churn score of "
        f"{model_churn:,} customer(s)"
    )
    return lines


def _by_source(rows: list[dict], column: str, population: int, digits: int) -> str:
    parts = []
    for r in rows:
        value = "n/a" if r[column] is None else f"{r[column]:.{digits}f}"
        if r["customers"] != population:
            value += f" ({r['customers']:,} customers)"
        parts.append(f"{r['source']} {value}")
    return ", ".join(parts)


def backtest_lines(con: duckdb.DuckDBPyConnection, org_id: str, tables: set[str]) -> list[str]:
    """One line: how the churn scores made at calibration_date foretold who churned by
    as_of_date (churn rate, AUC and top-decile lift per source) and the purchases the CLV
    models predicted against those that happened; none without a backtested customer."""
    bt = backtest(con, org_id, tables)
    sources, purchases = bt["sources"], bt["purchases"]
    if not sources and not purchases:
        return []
    first = (sources or purchases)[0]
    line = f"  backtest (calibration {first['calibration_date']}, {first['horizon_days']} days):"
    parts = []
    if sources:
        # the widest population (recency scores everyone with a value event before calibration)
        widest = max(sources, key=lambda r: r["customers"])
        population = widest["customers"]
        parts.append(f"{population:,} customers, churn {100 * widest['churn_rate']:.1f}%")
        parts.append("AUC " + _by_source(sources, "auc", population, 2))
        lifts = [r for r in sources if r["top_decile_lift"] is not None]
        if lifts:
            parts.append("lift " + ", ".join(f"{r['source']} {r['top_decile_lift']:.1f}" for r in lifts))
    for p in purchases:
        name = f"{model_name(p['model'])} " if len(purchases) > 1 else ""
        predicted = (
            "n/a (no fit at calibration)" if p["predicted_purchases"] is None else f"{p['predicted_purchases']:,.0f}"
        )
        text = f"{name}predicted {predicted} vs actual {p['actual_purchases']:,.0f} purchases"
        if p["percentage_error"] is not None:
            text += f" ({p['percentage_error']:+.1f}%)"
        parts.append(text)
    return [line + " " + " | ".join(parts)]


def _survival_gap(row: dict) -> int:
    """|observed - predicted| survival of a contract_survival row in units of its 4 decimals
    (exact: two gaps that print the same are equal)."""
    return abs(round(1e4 * row["observed_survival"]) - round(1e4 * row["predicted_survival"]))


def retention_lines(con: duckdb.DuckDBPyConnection, org_id: str, tables: set[str]) -> list[str]:
    """Month-1 and month-3 retention of the latest cohorts that have them (cohort_retention),
    and for an organisation with an sBG prediction the renewal period where observed and
    predicted contract survival differ most (contract_survival, the earliest on a tie); none
    where the marts are missing or hold nothing for the organisation."""
    cohorts = cohort_triangle(con, org_id, tables)
    parts = []
    for k in (1, 3):
        rows = [r for r in cohorts if r["months_since_acquisition"] == k]
        if rows:
            latest = max(rows, key=lambda r: r["cohort_month"])
            parts.append(
                f"month {k} {100 * latest['retention_rate']:.1f}% "
                f"(cohort {latest['cohort_month']:%Y-%m}, {latest['cohort_customers']:,} acquired)"
            )
    lines = ["  retention: " + ", ".join(parts)] if parts else []
    both = [
        r
        for r in survival_periods(con, org_id, tables)
        if r["observed_survival"] is not None and r["predicted_survival"] is not None
    ]
    if both:
        gap = max(both, key=lambda r: (_survival_gap(r), -r["period"]))
        lines.append(
            f"  contract survival: largest gap at period {gap['period']}, observed "
            f"{100 * gap['observed_survival']:.1f}% vs sBG-predicted {100 * gap['predicted_survival']:.1f}% "
            f"({gap['eligible_customers']:,} eligible)"
        )
    return lines


def migration_lines(con: duckdb.DuckDBPyConnection, org_id: str, tables: set[str], top: int = 3) -> list[str]:
    """Customers who changed segment between this run and the one before, and the largest moves."""
    moves = migration_into_this_run(con, org_id, tables)
    if not moves:
        return []
    both = sum(m["customer_count"] for m in moves)
    changed = [m for m in moves if m["from_segment"] != m["to_segment"] and m["customer_count"]]
    line = (
        f"  since {moves[0]['from_as_of_date']}: {sum(m['customer_count'] for m in changed):,} of "
        f"{both:,} customers changed segment"
    )
    if changed:
        line += "; most: " + ", ".join(
            f"{m['from_segment']} -> {m['to_segment']} {m['customer_count']:,}" for m in changed[:top]
        )
    return [line]


def format_summary(con: duckdb.DuckDBPyConnection, max_errors: int, max_actions: int = 3) -> str:
    lines: list[str] = []
    orgs = organizations(con)
    as_of = as_of_date(con)
    tables = mart_tables(con)
    lines.append(f"Segmentation as of {as_of} (exclusive): {len(orgs)} organisation(s)")
    for org in orgs:
        org_id = org["organization_id"]
        lines.append("")
        lines.append(
            f"{org['organization_name']} ({org['org_type']}, {org_id}): "
            f"{org['total_customers']:,} customers, {org['segmented']:,} segmented"
        )
        lines.append(f"  {'segment':<22}{'customers':>10}{'%':>8}{'avg score':>11}{'revenue at risk':>17}")
        for row in fetch(
            con,
            """
            select segment, customer_count, percentage, avg_segment_score, revenue_at_risk
            from marts.segment_distribution where organization_id = ? order by segment_order
            """,
            org_id,
        ):
            avg = "" if row["avg_segment_score"] is None else f"{row['avg_segment_score']:.2f}"
            lines.append(
                f"  {row['segment']:<22}{row['customer_count']:>10,}{row['percentage']:>8.2f}"
                f"{avg:>11}{row['revenue_at_risk']:>17,.2f}"
            )
        lines.append(
            f"  churn upload: {org['upload_rows']:,} row(s), {org['error_count']:,} error(s)"
            + ("" if org["error_count"] else " - all accepted")
        )
        for err in fetch(
            con,
            "select message from marts.segmentation_errors where organization_id = ? order by message limit ?",
            org_id,
            max_errors,
        ):
            lines.append(f"    - {err['message']}")
        if org["error_count"] > max_errors:
            lines.append(f"    ... and {org['error_count'] - max_errors} more in marts.segmentation_errors")
        lines.extend(migration_lines(con, org_id, tables))
        lines.extend(behavior_lines(con, org_id, max_actions))
        lines.extend(clv_lines(con, org_id, tables))
        lines.extend(retention_lines(con, org_id, tables))
        lines.extend(backtest_lines(con, org_id, tables))

    orphan_errors = fetch(
        con,
        """
        select organization_id, count(*) as n from marts.segmentation_errors
        where organization_id not in (select organization_id from marts.segmentation_run_summary)
           or organization_id is null
        group by 1
        """,
    )
    for row in orphan_errors:
        lines.append("")
        lines.append(f"Upload rows for unknown organisation {row['organization_id']}: {row['n']} error(s)")

    rejects = fetch(
        con,
        """
        select source_table, reason_code, count(*) as n from marts.data_quality_rejects
        group by 1, 2 order by 1, 3 desc, 2
        """,
    )
    lines.append("")
    if rejects:
        lines.append(f"Rejected input rows (marts.data_quality_rejects): {sum(r['n'] for r in rejects):,}")
        for r in rejects:
            lines.append(f"  {r['source_table']:<18}{r['reason_code']:<28}{r['n']:>8,}")
    else:
        lines.append("Rejected input rows (marts.data_quality_rejects): none")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--db",
        default=None,
        help="DuckDB file built by dbt (default: the target's, else $DBT_DUCKDB_PATH or data/retention.duckdb)",
    )
    parser.add_argument(
        "--target",
        help="the dbt target that built it (default: the standalone duckdb target, "
        "schema marts; another target's marts are <its schema>_marts; PostgreSQL and Spark targets are read there)",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=PROJECT_ROOT,
        help="the dbt project whose profiles.yml names the target (default: this checkout)",
    )
    parser.add_argument("--errors", type=int, default=5, help="upload errors to list per organisation")
    parser.add_argument("--actions", type=int, default=3, help="priority actions to list per organisation")
    args = parser.parse_args(argv)
    with open_marts(args.target, args.db, args.project_dir) as con:
        print(format_summary(con, args.errors, args.actions))
    return 0


if __name__ == "__main__":  # python -m retention_tools.summary
    sys.exit(main())
