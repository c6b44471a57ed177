"""Write the retention dashboard: one self-contained HTML file from the DuckDB marts.

    python scripts/report.py [--database FILE] [--output FILE]

Per organisation: segment distribution and revenue at risk by segment, the segment x
churn-risk matrix, the behaviour-score distribution, customers by activity trend, risk-signal
prevalence coloured by urgency, the segment migration matrix from the run before to this run
when segment_migration holds them, and customer lifetime value by model where the CLV models
ran; then "Retention" where its marts hold the organisation: the acquisition-cohort heatmap
of retention rates and the cumulative revenue per acquired customer by cohort
(cohort_retention), and observed against sBG-predicted contract survival by renewal period
(contract_survival, organisations with contracts and an sBG fit); then "Can we trust these
scores?" from the backtest marts: AUC by churn source against the coin flip
(churn_backtest), the calibration of the probability sources (churn_calibration) and
predicted against actual purchases (clv_backtest, DuckDB only). Plotly's JavaScript is
embedded, so the file opens offline. Each chart is a <div class="chart" data-chart=NAME
data-organization=ID>; after drawing, a script counts the drawn marks (bars, heatmaps, scatter
markers) of every chart into <pre id="render-check"> (what
tests/python/test_dashboard_and_analyses.py reads in headless Chromium).
Defaults: --database $DBT_DUCKDB_PATH or data/retention.duckdb (a scheduled deployment points
it at the published file, see scripts/publish.py), --output
target/retention_dashboard.html. Declared as the dbt exposure `retention_dashboard`.
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

import duckdb
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.offline import get_plotlyjs

from retention_tools import PROJECT_ROOT
from retention_tools.dbt_target import open_marts
from retention_tools.marts_queries import (
    as_of_date,
    backtest,
    cohort_triangle,
    fetch,
    mart_tables,
    migration_into_this_run,
    model_name,
    organizations,
    survival_periods,
)

# segment_order 1..11: from the best (greens) through the ones to watch (blues, yellow) to the
# ones slipping away (oranges, reds)
SEGMENT_COLORS = [
    "#1b7837",
    "#5aae61",
    "#a6dba0",
    "#4393c3",
    "#92c5de",
    "#fee08b",
    "#fdae61",
    "#f46d43",
    "#d73027",
    "#a50026",
    "#67001f",
]
CLV_EDGES = [0, 25, 50, 100, 200, 400, 800, 1600, 3200, 6400]
URGENCY_COLORS = {"high": "#b2182b", "medium": "#ef8a62", "low": "#67a9cf"}
RISK_LEVELS = ["Low", "Medium", "High", "Critical", "Unknown"]
TRENDS = ["increasing", "stable", "declining", "unknown"]
MODEL_COLORS = {"mbgnbd": "#762a83", "bgnbd": "#9970ab", "sbg": "#1b7837"}
SOURCE_COLORS = {"model": "#762a83", "churn_prediction": "#2166ac", "recency": "#999999"}


# One chart of the dashboard: its name (the div's data-chart) and its figure.
Chart = tuple[str, go.Figure]


def _layout(fig: go.Figure, title: str, **kwargs) -> go.Figure:
    """Give ``fig`` the dashboard's layout and ``title``; ``kwargs`` add to or override it."""
    settings = {
        "height": 360,
        "autosize": True,
        "margin": dict(l=60, r=20, t=50, b=60),
        "template": "plotly_white",
        **kwargs,
    }
    fig.update_layout(title=title, **settings)
    return fig


def _legend(y: float, yanchor: str) -> dict:
    """A horizontal legend, right-aligned, above (yanchor bottom) or below (yanchor top) the plot."""
    return dict(orientation="h", y=y, yanchor=yanchor, x=1, xanchor="right")


def _segment_bar(name: str, segments: list[dict], column: str, title: str, yaxis_title: str, **bar) -> Chart:
    """A bar of ``column`` per segment, in segment order and colours."""
    names = [r["segment"] for r in segments]
    fig = go.Figure(go.Bar(x=names, y=[r[column] for r in segments], marker_color=SEGMENT_COLORS[: len(names)], **bar))
    return name, _layout(fig, title, yaxis_title=yaxis_title)


def _segment_charts(segments: list[dict]) -> list[Chart]:
    """Customers by segment (with their share) and revenue at risk by segment."""
    return [
        _segment_bar(
            "segment_distribution",
            segments,
            "customer_count",
            "Customers by segment",
            "customers",
            text=[f"{r['percentage']:.1f}%" for r in segments],
            textposition="outside",
            hovertemplate="%{x}: %{y:,} customers (%{text})<extra></extra>",
        ),
        _segment_bar(
            "revenue_at_risk",
            segments,
            "revenue_at_risk",
            "Revenue at risk by segment",
            "revenue at risk",
            hovertemplate="%{x}: %{y:,.2f}<extra></extra>",
        ),
    ]


def _segment_churn_matrix_chart(con: duckdb.DuckDBPyConnection, org_id: str, names: list[str]) -> Chart:
    """Customers per segment (rows, in segment order) and churn-risk level (columns)."""
    matrix = fetch(
        con,
        """
        select segment, churn_risk_level, count(*) as customers
        from marts.customer_segments where organization_id = ? group by all""",
        org_id,
    )
    counts = {(r["segment"], r["churn_risk_level"]): r["customers"] for r in matrix}
    fig = go.Figure(
        go.Heatmap(
            x=RISK_LEVELS,
            y=names,
            z=[[counts.get((s, level), 0) for level in RISK_LEVELS] for s in names],
            colorscale="Reds",
            texttemplate="%{z}",
            hovertemplate="%{y} / %{x}: %{z}<extra></extra>",
        )
    )
    return "segment_churn_matrix", _layout(
        fig, "Segment x churn risk (customers)", yaxis=dict(autorange="reversed"), height=420
    )


def _behavior_score_chart(con: duckdb.DuckDBPyConnection, org_id: str) -> Chart:
    """Customers per behaviour-score bucket of 10 points (90-100 holds the 100s)."""
    scores = fetch(
        con,
        """
        select least(floor(behavior_score / 10), 9) * 10 as bucket, count(*) as customers
        from marts.behavior_analysis where organization_id = ? and behavior_score is not null
        group by all order by bucket""",
        org_id,
    )
    fig = go.Figure(
        go.Bar(
            x=[f"{int(r['bucket'])}-{int(r['bucket']) + 10}" for r in scores],
            y=[r["customers"] for r in scores],
            marker_color="#4575b4",
            hovertemplate="score %{x}: %{y:,} customers<extra></extra>",
        )
    )
    return "behavior_score_distribution", _layout(
        fig, "Behaviour score distribution", xaxis_title="behaviour score", yaxis_title="customers"
    )


def _trend_chart(con: duckdb.DuckDBPyConnection, org_id: str) -> Chart:
    """Customers per activity trend, every trend shown (0 when none)."""
    trends = {
        r["activity_trend"]: r["customers"]
        for r in fetch(
            con,
            """
        select activity_trend, count(*) as customers from marts.behavior_analysis
        where organization_id = ? group by all""",
            org_id,
        )
    }
    fig = go.Figure(
        go.Bar(
            x=TRENDS,
            y=[trends.get(t, 0) for t in TRENDS],
            marker_color=["#1a9850", "#91bfdb", "#d73027", "#bdbdbd"],
            hovertemplate="%{x}: %{y:,} customers<extra></extra>",
        )
    )
    return "customers_by_trend", _layout(
        fig, "Customers by activity trend (last vs previous 30 days)", yaxis_title="customers"
    )


def _risk_signal_chart(con: duckdb.DuckDBPyConnection, org_id: str) -> Chart:
    """The share of customers showing each risk signal, a horizontal bar coloured by its urgency."""
    signals = fetch(
        con,
        """
        select risk_signal, affected_customers, percentage, urgency from marts.behavior_signal_summary
        where organization_id = ? order by percentage, risk_signal desc""",
        org_id,
    )
    fig = go.Figure(
        go.Bar(
            y=[r["risk_signal"] for r in signals],
            x=[r["percentage"] for r in signals],
            orientation="h",
            marker_color=[URGENCY_COLORS.get(r["urgency"], "#999999") for r in signals],
            text=[f"{r['urgency']} ({r['affected_customers']:,})" for r in signals],
            textposition="auto",
            hovertemplate="%{y}: %{x:.2f}% of customers, %{text}<extra></extra>",
        )
    )
    return "risk_signal_prevalence", _layout(
        fig,
        "Risk signals: % of customers (colour = urgency)",
        xaxis_title="% of analysed customers",
        margin=dict(l=200, r=20, t=50, b=60),
    )


def _segment_migration_chart(
    con: duckdb.DuckDBPyConnection, org_id: str, tables: set[str], names: list[str]
) -> Chart | None:
    """Customers from each segment (rows) of the run before to each segment (columns) of this run;
    None when segment_migration holds no move into this run."""
    moves = migration_into_this_run(con, org_id, tables)
    if not moves:
        return None
    cell = {(r["from_segment"], r["to_segment"]): r for r in moves}
    fig = go.Figure(
        go.Heatmap(
            x=names,
            y=names,
            z=[[cell[(f, t)]["customer_count"] for t in names] for f in names],
            customdata=[[cell[(f, t)]["percentage"] for t in names] for f in names],
            colorscale="Blues",
            texttemplate="%{z}",
            hovertemplate="%{y} -> %{x}: %{z:,} customers (%{customdata:.2f}% of %{y})<extra></extra>",
        )
    )
    return "segment_migration", _layout(
        fig,
        f"Segment migration {moves[0]['from_as_of_date']} -> {moves[0]['to_as_of_date']} (rows: from, columns: to)",
        yaxis=dict(autorange="reversed"),
        xaxis=dict(tickangle=-35),
        height=520,
        margin=dict(l=140, r=20, t=50, b=120),
    )


def _clv_chart(con: duckdb.DuckDBPyConnection, org_id: str, tables: set[str]) -> Chart | None:
    """Customers per band of expected 365-day value (CLV_EDGES), a stacked bar per CLV model;
    None when the CLV models did not run or valued nobody."""
    if "customer_lifetime_value" not in tables:
        return None
    edges = CLV_EDGES
    bucket = " ".join(f"when clv_365d < {hi} then {i}" for i, hi in enumerate(edges[1:]))
    clv: dict[str, dict[int, int]] = {}
    for r in fetch(
        con,
        f"""
                select model, case {bucket} else {len(edges) - 1} end as bucket, count(*) as customers
                from marts.customer_lifetime_value where organization_id = ? and clv_365d is not null
                group by all""",
        org_id,
    ):
        clv.setdefault(r["model"], {})[r["bucket"]] = r["customers"]
    if not clv:
        return None
    labels = [f"{lo:,}-{hi:,}" for lo, hi in zip(edges, edges[1:])] + [f"{edges[-1]:,}+"]
    models = sorted(clv, key=lambda m: (list(MODEL_COLORS).index(m) if m in MODEL_COLORS else 9, m))
    fig = go.Figure(
        [
            go.Bar(
                x=labels,
                y=[clv[m].get(i, 0) for i in range(len(labels))],
                name=model_name(m),
                marker_color=MODEL_COLORS.get(m, "#999999"),
                hovertemplate=f"{model_name(m)}, 365-day value %{{x}}: %{{y:,}} customers<extra></extra>",
            )
            for m in models
        ]
    )
    return "clv_distribution", _layout(
        fig,
        "Expected 365-day customer value (" + ", ".join(model_name(m) for m in models) + ")",
        barmode="stack",
        xaxis_title="expected value",
        yaxis_title="customers",
        showlegend=len(models) > 1,
        legend=_legend(1.02, "bottom"),
    )


def organization_charts(con: duckdb.DuckDBPyConnection, org_id: str, tables: set[str]) -> list[Chart]:
    """The organisation's charts in dashboard order: customers and revenue at risk by segment, the
    segment x churn-risk matrix, the behaviour scores, the activity trends, the risk signals, then
    the segment migration and the CLV distribution where their marts hold them."""
    segments = fetch(
        con,
        """
        select segment, segment_order, customer_count, percentage, revenue_at_risk
        from marts.segment_distribution where organization_id = ? order by segment_order""",
        org_id,
    )
    names = [r["segment"] for r in segments]
    charts = [
        *_segment_charts(segments),
        _segment_churn_matrix_chart(con, org_id, names),
        _behavior_score_chart(con, org_id),
        _trend_chart(con, org_id),
        _risk_signal_chart(con, org_id),
        _segment_migration_chart(con, org_id, tables, names),
        _clv_chart(con, org_id, tables),
    ]
    return [chart for chart in charts if chart is not None]


def _cohort_heatmap(cohorts: list[dict]) -> Chart | None:
    """Retention rate per acquisition cohort (rows, oldest first, labelled with the cohort's
    customers) and month since acquisition (columns), the rate written in each cell; the
    triangle's missing corner left blank. None without cohorts."""
    if not cohorts:
        return None
    months = sorted({r["cohort_month"] for r in cohorts})
    size = {r["cohort_month"]: r["cohort_customers"] for r in cohorts}
    ks = list(range(max(r["months_since_acquisition"] for r in cohorts) + 1))
    cell = {(r["cohort_month"], r["months_since_acquisition"]): r for r in cohorts}
    none = {"retention_rate": None, "active_customers": None}
    grid = [[cell.get((m, k), none) for k in ks] for m in months]
    fig = go.Figure(
        go.Heatmap(
            x=ks,
            y=[f"{m:%Y-%m} ({size[m]:,})" for m in months],
            z=[[c["retention_rate"] for c in row] for row in grid],
            customdata=[[c["active_customers"] for c in row] for row in grid],
            zmin=0,
            zmax=1,
            colorscale="Blues",
            colorbar=dict(tickformat=".0%", thickness=12),
            texttemplate="%{z:.0%}",
            textfont=dict(size=9),
            hoverongaps=False,
            hovertemplate="cohort %{y}, month %{x}: %{customdata:,} active, %{z:.1%}<extra></extra>",
        )
    )
    return "cohort_retention", _layout(
        fig,
        "Retention by acquisition cohort (rows: cohort and its customers; cells: share active in month k)",
        xaxis=dict(title="months since acquisition", dtick=1),
        yaxis=dict(autorange="reversed", type="category"),
        height=max(360, 120 + 24 * len(months)),
        margin=dict(l=120, r=20, t=50, b=50),
    )


def _cohort_revenue_chart(cohorts: list[dict]) -> Chart | None:
    """Cumulative revenue per acquired customer over the months since acquisition, one line per
    cohort (oldest dark, newest light); None without cohorts."""
    if not cohorts:
        return None
    by_cohort: dict = {}
    for r in cohorts:
        by_cohort.setdefault(r["cohort_month"], []).append(r)
    months = sorted(by_cohort)
    colors = sample_colorscale("Viridis", [0.85 * i / max(len(months) - 1, 1) for i in range(len(months))])
    fig = go.Figure()
    for month, color in zip(months, colors):
        mine = by_cohort[month]
        fig.add_trace(
            go.Scatter(
                x=[r["months_since_acquisition"] for r in mine],
                y=[r["cumulative_revenue_per_customer"] for r in mine],
                name=f"{month:%Y-%m}",
                mode="lines+markers",
                line=dict(color=color, width=1.5),
                marker=dict(size=4),
                customdata=[r["cohort_customers"] for r in mine],
                hovertemplate=f"cohort {month:%Y-%m} (%{{customdata:,}} customers), month %{{x}}: "
                "%{y:,.2f} per customer<extra></extra>",
            )
        )
    return "cohort_revenue", _layout(
        fig,
        "Cumulative revenue per acquired customer, by cohort",
        xaxis=dict(title="months since acquisition", dtick=1),
        yaxis_title="revenue per customer",
        showlegend=True,
        legend=dict(title="cohort", font=dict(size=10)),
        height=max(360, 120 + 21 * len(months)),  # tall enough for every cohort in the legend
    )


def _survival_chart(periods: list[dict]) -> Chart | None:
    """Observed contract survival by renewal period beside what the sBG fit predicts; None when
    the organisation has no prediction (no contracts, or no sBG fit)."""
    if not any(r["predicted_survival"] is not None for r in periods):
        return None
    x = [r["period"] for r in periods]
    fig = go.Figure(
        [
            go.Scatter(
                x=x,
                y=[r["observed_survival"] for r in periods],
                name="observed",
                mode="lines+markers",
                line=dict(color="#2166ac"),
                customdata=[[r["surviving_customers"], r["eligible_customers"]] for r in periods],
                hovertemplate="period %{x}: %{y:.1%} observed (%{customdata[0]:,} of %{customdata[1]:,} "
                "eligible)<extra></extra>",
            ),
            go.Scatter(
                x=x,
                y=[r["predicted_survival"] for r in periods],
                name="predicted (sBG)",
                mode="lines+markers",
                line=dict(color="#1b7837", dash="dash"),
                hovertemplate="period %{x}: %{y:.1%} predicted by the sBG fit<extra></extra>",
            ),
        ]
    )
    return "contract_survival", _layout(
        fig,
        "Contract survival by renewal period: observed vs sBG",
        xaxis=dict(title="renewal period k", dtick=1),
        yaxis=dict(title="share still paying after k renewals", tickformat=".0%"),
        showlegend=True,
        legend=_legend(1.02, "bottom"),
    )


def retention_charts(con: duckdb.DuckDBPyConnection, org_id: str, tables: set[str]) -> list[Chart]:
    """The organisation's retention charts: the cohort heatmap, the cumulative revenue per
    acquired customer by cohort (cohort_retention), and observed against sBG-predicted
    contract survival (contract_survival). A chart is left out when its mart is missing (a
    database published before it) or has nothing for the organisation."""
    cohorts = cohort_triangle(con, org_id, tables)
    charts = [
        _cohort_heatmap(cohorts),
        _cohort_revenue_chart(cohorts),
        _survival_chart(survival_periods(con, org_id, tables)),
    ]
    return [chart for chart in charts if chart is not None]


def _na_or(value: float | None, format_spec: str) -> str:
    """``value`` formatted with ``format_spec``, or "n/a" when there is none."""
    return "n/a" if value is None else format(value, format_spec)


def _auc_chart(sources: list[dict]) -> Chart | None:
    """AUC per churn source against the coin flip's 0.5, the sources without one named in the
    title; None when no source has an AUC."""
    scored = [r for r in sources if r["auc"] is not None]
    if not scored:
        return None
    missing = [r["source"] for r in sources if r["auc"] is None]
    fig = go.Figure(
        go.Bar(
            x=[r["source"] for r in scored],
            y=[r["auc"] for r in scored],
            marker_color=[SOURCE_COLORS.get(r["source"], "#999999") for r in scored],
            text=[f"{r['auc']:.2f}" for r in scored],
            textposition="outside",
            customdata=[
                [r["customers"], 100 * r["churn_rate"], _na_or(r["top_decile_lift"], ".2f"), _na_or(r["brier"], ".3f")]
                for r in scored
            ],
            hovertemplate="%{x}: AUC %{y:.3f} on %{customdata[0]:,} customers (%{customdata[1]:.1f}% churned),"
            " top-decile lift %{customdata[2]}, Brier %{customdata[3]}<extra></extra>",
        )
    )
    fig.add_hline(y=0.5, line_dash="dash", line_color="#666666")
    fig.add_annotation(
        x=1, xref="paper", xanchor="left", y=0.5, text="coin<br>flip", showarrow=False, font=dict(color="#666666")
    )
    title = "AUC by churn source (0.5 = coin flip)"
    if missing:
        title += f"; {', '.join(missing)}: n/a"
    return "backtest_auc", _layout(
        fig, title, yaxis=dict(range=[0, 1.08], title="AUC"), margin=dict(l=60, r=60, t=50, b=60)
    )


def _calibration_chart(calibration: list[dict]) -> Chart | None:
    """Observed churn rate against mean score per score bin, a line per probability source (the
    known ones first, in SOURCE_COLORS order), markers sized by the bin's customers, with the
    diagonal; None when no bin has customers."""
    bins = [r for r in calibration if r["customers"]]
    if not bins:
        return None
    sources = [s for s in SOURCE_COLORS if any(r["source"] == s for r in bins)]
    sources += sorted({r["source"] for r in bins} - set(SOURCE_COLORS))
    fig = go.Figure()
    for source in sources:
        mine = [r for r in bins if r["source"] == source]
        largest = max(r["customers"] for r in mine)
        fig.add_trace(
            go.Scatter(
                x=[r["avg_score"] for r in mine],
                y=[r["churn_rate"] for r in mine],
                name=source,
                mode="lines+markers",
                line=dict(color=SOURCE_COLORS.get(source, "#999999")),
                marker=dict(size=[6 + 14 * (r["customers"] / largest) ** 0.5 for r in mine]),
                customdata=[[r["bin"] / 10, (r["bin"] + 1) / 10, r["customers"]] for r in mine],
                hovertemplate=f"{source}, scores %{{customdata[0]:.1f}}-%{{customdata[1]:.1f}}: mean score "
                "%{x:.2f}, churned %{y:.0%} of %{customdata[2]:,}<extra></extra>",
            )
        )
    fig.add_shape(type="line", x0=0, y0=0, x1=1, y1=1, line=dict(dash="dash", color="#666666"))
    return "churn_calibration", _layout(
        fig,
        "Calibration: predicted vs observed churn",
        xaxis=dict(range=[-0.03, 1.03], title="mean predicted churn probability"),
        yaxis=dict(range=[-0.03, 1.05], title="share that churned"),
        showlegend=True,
        legend=_legend(-0.22, "top"),
        margin=dict(l=60, r=20, t=50, b=80),
    )


def _purchases_chart(purchases: list[dict]) -> Chart | None:
    """Purchase days each CLV model predicted (with its percentage error) beside those that
    happened, the models not fitted at calibration noted above the plot; None without
    clv_backtest rows."""
    if not purchases:
        return None
    predicted = [p for p in purchases if p["predicted_purchases"] is not None]
    fig = go.Figure(
        [
            go.Bar(
                x=[model_name(p["model"]) for p in predicted],
                y=[p["predicted_purchases"] for p in predicted],
                name="predicted",
                marker_color="#762a83",
                text=["" if p["percentage_error"] is None else f"{p['percentage_error']:+.1f}%" for p in predicted],
                textposition="outside",
                hovertemplate="%{x}: %{y:,.0f} predicted (%{text})<extra></extra>",
            ),
            go.Bar(
                x=[model_name(p["model"]) for p in purchases],
                y=[p["actual_purchases"] for p in purchases],
                name="actual",
                marker_color="#5aae61",
                customdata=[p["customers"] for p in purchases],
                hovertemplate="%{x}: %{y:,} purchase days by %{customdata:,} customers<extra></extra>",
            ),
        ]
    )
    unfitted = [model_name(p["model"]) for p in purchases if p["predicted_purchases"] is None]
    if unfitted:
        fig.add_annotation(
            x=0.5,
            xref="paper",
            y=1,
            yref="paper",
            yanchor="bottom",
            showarrow=False,
            text=f"predicted: n/a ({', '.join(unfitted)} not fitted at calibration)",
        )
    first = purchases[0]
    return "purchases_backtest", _layout(
        fig,
        f"Purchases in the {first['horizon_days']} days from {first['calibration_date']}",
        barmode="group",
        yaxis_title="purchase days",
        showlegend=True,
        legend=_legend(-0.12, "top"),
    )


def trust_charts(bt: dict) -> list[Chart]:
    """The organisation's "Can we trust these scores?" charts from its backtest (summary.backtest):
    AUC by churn source against the coin flip, the calibration of the probability sources
    (mean score against observed churn rate per score bin, with the diagonal) and the
    purchases the CLV models predicted against those that happened. A chart with nothing to draw
    is left out (no AUC when nobody or everybody churned, no calibration without a probability
    source, no purchases without clv_backtest)."""
    charts = [_auc_chart(bt["sources"]), _calibration_chart(bt["calibration"]), _purchases_chart(bt["purchases"])]
    return [chart for chart in charts if chart is not None]


def trust_caption(bt: dict) -> str:
    """One sentence under "Can we trust these scores?": when the scores were made and checked."""
    rows = bt["sources"] or bt["purchases"]
    first = rows[0]
    text = (
        f"Scores made on {first['calibration_date']} from the history before it, checked against the next "
        f"{first['horizon_days']} days"
    )
    if bt["sources"]:
        widest = max(bt["sources"], key=lambda r: r["customers"])
        text += (
            f" (to {widest['as_of_date']}): {widest['customers']:,} customers had bought before, "
            f"{100 * widest['churn_rate']:.1f}% of them had no value event since"
        )
    return (
        text
        + ". The upload has no date and is not backtested; recency (days since the last value event) is the baseline."
    )


RENDER_CHECK = """
<script>
window.addEventListener('load', function () {
  // the charts were drawn while the page was still being laid out: fit them to their boxes
  document.querySelectorAll('.plotly-graph-div').forEach(function (plot) { Plotly.Plots.resize(plot); });
  setTimeout(function () {
    var result = {};
    document.querySelectorAll('div.chart').forEach(function (div) {
      var plot = div.querySelector('.plotly-graph-div');
      // bars, heatmap cells (one image per heatmap) and scatter markers
      var marks = div.querySelectorAll(
        '.barlayer .point path, .hm image, .heatmaplayer image, .scatterlayer .point').length;
      result[div.id] = {svg: div.querySelectorAll('.main-svg').length, marks: marks,
                        traces: plot && plot.data ? plot.data.length : 0, organization: div.dataset.organization};
    });
    document.getElementById('render-check').textContent = JSON.stringify(result);
  }, 500);
});
</script>
"""


# charts drawn across the whole width of their grid
WIDE_CHARTS = {"cohort_retention"}


def _chart_divs(charts: list[Chart], n: int, org_id: str) -> str:
    """The ``charts`` of the ``n``-th organisation as <div class="chart"> elements (the render
    check's unit), each holding its Plotly figure."""
    parts = []
    for name, fig in charts:
        div_id = f"org{n}-{name}"
        wide = " wide" if name in WIDE_CHARTS else ""
        parts.append(
            f'<div class="chart{wide}" id="{div_id}" data-chart="{name}" data-organization="{html.escape(org_id)}">'
            + fig.to_html(
                full_html=False,
                include_plotlyjs=False,
                div_id=f"{div_id}-plot",
                default_width="100%",
                config={"displaylogo": False, "responsive": True},
            )
            + "</div>"
        )
    return "".join(parts)


def retention_caption(charts: list[Chart]) -> str:
    """One sentence or two under "Retention": how to read the cohorts and, where drawn, the survival chart."""
    names = {name for name, _ in charts}
    text = ""
    if "cohort_retention" in names:
        text = (
            "A cohort is the customers whose first value event fell in that month (the first cohort also holds "
            "everyone who was a customer before the data starts); a cell is the share of the cohort with a value "
            "event k months later, small cohorts are noisy."
        )
    if "contract_survival" in names:
        text += (
            " Contract survival: the share of contracts old enough to tell that paid beyond renewal period k, "
            "beside what the sBG model fitted to them predicts."
        )
    return text.strip()


def _subsection(title: str, caption: str, charts: list[Chart], n: int, org_id: str) -> str:
    """An <h3> with its caption and charts; nothing without charts."""
    if not charts:
        return ""
    return (
        f'<h3>{html.escape(title)}</h3><p class="caption">{html.escape(caption)}</p>'
        f'<div class="grid">{_chart_divs(charts, n, org_id)}</div>'
    )


def build_html(con: duckdb.DuckDBPyConnection) -> tuple[str, int]:
    tables = mart_tables(con)
    orgs = organizations(con)
    as_of = as_of_date(con)
    sections, chart_count = [], 0
    for n, org in enumerate(orgs):
        org_id = org["organization_id"]
        charts = organization_charts(con, org_id, tables)
        retention = retention_charts(con, org_id, tables)
        bt = backtest(con, org_id, tables)
        trust = trust_charts(bt)
        chart_count += len(charts) + len(retention) + len(trust)
        sections.append(
            f"<section><h2>{html.escape(str(org['organization_name'] or org_id))} "
            f"<small>{html.escape(str(org['org_type'] or ''))} · "
            f"{org['total_customers']:,} customers, {org['segmented']:,} segmented · {html.escape(org_id)}"
            f'</small></h2><div class="grid">{_chart_divs(charts, n, org_id)}</div>'
            + _subsection("Retention", retention_caption(retention), retention, n, org_id)
            + (_subsection("Can we trust these scores?", trust_caption(bt), trust, n, org_id) if trust else "")
            + "</section>"
        )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Retention dashboard</title>
<script type="text/javascript">{get_plotlyjs()}</script>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #222; background: #fafafa; }}
h1 {{ margin-bottom: 4px; }} h2 small {{ font-weight: normal; color: #666; font-size: 0.6em; }}
section {{ background: white; border: 1px solid #ddd; border-radius: 6px; padding: 12px 16px; margin: 18px 0; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 12px; }}
h3 {{ margin: 18px 0 2px; }} .caption {{ color: #555; margin: 0 0 8px; }}
.chart.wide {{ grid-column: 1 / -1; }}
#render-check {{ display: none; }}
</style></head><body>
<h1>Retention dashboard</h1>
<p>As of {as_of} (exclusive) · {len(orgs)} organisation(s) · from the marts of <code>retention_analytics</code></p>
{"".join(sections)}
<pre id="render-check"></pre>
{RENDER_CHECK}
</body></html>
"""
    return page, chart_count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database",
        type=Path,
        default=None,
        help="DuckDB file built by dbt (default: the target's, else $DBT_DUCKDB_PATH or data/retention.duckdb)",
    )
    parser.add_argument("--target", help="the dbt target that built it (default: the standalone duckdb target)")
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=PROJECT_ROOT,
        help="the dbt project whose profiles.yml names the target (default: this checkout)",
    )
    parser.add_argument("--output", type=Path, default=Path("target/retention_dashboard.html"))
    args = parser.parse_args(argv)
    with open_marts(args.target, args.database, args.project_dir) as con:
        page, charts = build_html(con)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(page)
    print(f"dashboard ({charts} charts): {args.output.resolve()}")
    return 0


if __name__ == "__main__":  # python -m retention_tools.report
    sys.exit(main())
