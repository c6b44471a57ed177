"""What analysts open: the dashboard renders every chart with data in a real browser, and the
analyses (analyses/*.sql) compile and answer their questions on a built project.

A small generated data set is built for two monthly runs and published (scripts/backfill.py),
the dashboard written from the published marts, and opened in headless Chromium
(Debian's package; scripts/test.sh installs it when missing). The page's own check, run after
Plotly drew, counts the drawn marks (bars, heatmap images, scatter markers) of every chart,
the "Can we trust these scores?" backtest charts and the retention charts (cohort heatmap,
cumulative revenue by cohort, contract survival) included; a screenshot is saved as
target/dashboard_screenshot.png for people to look at (docs/dashboard.png is a copy of it).
The summary's lifetime-value, retention and backtest lines are checked against the same marts,
and the semantic layer's metrics against the marts they are defined on.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import generate
from dbt_runner import PROJECT_ROOT, make_project
from retention_tools.publish import default_published

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (scripts/test.sh installs it as root)"
)
CHARTS = {
    "segment_distribution",
    "revenue_at_risk",
    "segment_churn_matrix",
    "behavior_score_distribution",
    "customers_by_trend",
    "risk_signal_prevalence",
    "segment_migration",
    "clv_distribution",
}
# "Can we trust these scores?": drawn where the backtest marts have something to show
TRUST_CHARTS = {"backtest_auc", "churn_calibration", "purchases_backtest"}
# "Retention": drawn where cohort_retention and contract_survival have rows for the organisation
RETENTION_CHARTS = {"cohort_retention", "cohort_revenue", "contract_survival"}
MODEL_NAMES = {"mbgnbd": "MBG/NBD", "bgnbd": "BG/NBD", "sbg": "sBG"}


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    raw = generate(tmp / "raw", "--customers", "400", "--seed", "5")
    project = make_project(tmp, raw, upload_csv=raw / "upload.csv")
    # two monthly scheduled runs, so that segment_migration has a pair of runs to show
    backfill = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "backfill.py"),
            "--project-dir",
            str(project.root),
            "--start",
            "2026-10-02",
            "--end",
            "2026-11-01",
            "--every",
            "30d",
        ],
        cwd=project.root,
        env=project.env(),
        capture_output=True,
        text=True,
    )
    assert backfill.returncode == 0, backfill.stdout + backfill.stderr
    output = tmp / "dashboard.html"
    published = default_published(project.db_path)  # what readers open: only marts
    proc = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "scripts" / "report.py"),
            "--database",
            str(published),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert str(output) in proc.stdout
    return project, output


def _chromium(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--virtual-time-budget=15000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _render_check(output: Path) -> dict[str, dict[str, dict]]:
    """The page's render check in headless Chromium: organisation -> chart name -> its state
    (svg elements, drawn marks, traces)."""
    dom = _chromium("--dump-dom", output.as_uri()).stdout
    found = re.search(r'<pre id="render-check">([^<]*)</pre>', dom)
    assert found and found.group(1), "the page's render check did not run"
    per_org: dict[str, dict[str, dict]] = {}
    for chart_id, state in json.loads(found.group(1)).items():
        per_org.setdefault(state["organization"], {})[chart_id.split("-", 1)[1]] = state
    return per_org


@needs_chromium
def test_every_chart_renders_with_data_in_chromium(dashboard):
    project, output = dashboard
    per_org = _render_check(output)
    organisations = {
        r["organization_id"] for r in project.query("select organization_id from marts.segmentation_run_summary")
    }
    assert len(organisations) == 3 and set(per_org) == organisations
    for org, charts in per_org.items():
        assert set(charts) >= CHARTS - {"clv_distribution"}, (org, sorted(charts))
        for name, state in charts.items():
            assert state["svg"] > 0 and state["traces"] >= 1, (org, name, state)
            assert state["marks"] > 0, f"{org} {name} drew nothing"
    # the segment chart draws one bar per segment that has customers (11 defined); the
    # migration matrix all 11 x 11 cells (one heatmap image)
    assert all(charts["segment_distribution"]["marks"] >= 5 for charts in per_org.values())
    assert all(charts["segment_migration"]["marks"] >= 1 for charts in per_org.values())
    # expected 365-day value: one stacked bar trace per model with values
    valued = {
        r["organization_id"]: r["models"]
        for r in project.query(
            "select organization_id, count(distinct model) as models from marts.customer_lifetime_value"
            " where clv_365d is not null group by 1"
        )
    }
    assert {org for org, charts in per_org.items() if "clv_distribution" in charts} == set(valued)
    assert all(per_org[org]["clv_distribution"]["traces"] == models for org, models in valued.items())


@needs_chromium
def test_trust_charts_render_for_every_backtested_organization(dashboard):
    """ "Can we trust these scores?": every organisation with backtest rows gets the AUC bars
    (one per source with an AUC, against the coin line), the calibration chart (one marker per
    non-empty bin, one trace per probability source) and predicted vs actual purchases (a bar
    per model for each with a prediction, and for the actual purchases), drawn in Chromium."""
    project, output = dashboard
    per_org = _render_check(output)
    expected: dict[str, dict[str, dict]] = {}
    for r in project.query("""
            select organization_id, count(auc) as marks, 1 as traces from marts.churn_backtest
            group by 1 having count(auc) > 0"""):
        expected.setdefault(r["organization_id"], {})["backtest_auc"] = r
    for r in project.query("""
            select organization_id, count(*) as marks, count(distinct source) as traces from marts.churn_calibration
            where customers > 0 group by 1"""):
        expected.setdefault(r["organization_id"], {})["churn_calibration"] = r
    for r in project.query("""
            select organization_id, count(predicted_purchases) + count(*) as marks, 2 as traces from marts.clv_backtest
            group by 1"""):
        expected.setdefault(r["organization_id"], {})["purchases_backtest"] = r
    backtested = {
        r["organization_id"]
        for r in project.query(
            "select organization_id from marts.churn_backtest union select organization_id from marts.clv_backtest"
        )
    }
    # the generated data: every organisation is backtested, every chart is drawn for one at least
    assert set(expected) == backtested and len(backtested) == 3, expected
    assert set().union(*expected.values()) == TRUST_CHARTS, expected
    for org in per_org:
        drawn = {name: state for name, state in per_org[org].items() if name in TRUST_CHARTS}
        assert set(drawn) == set(expected.get(org, {})), (org, sorted(drawn))
        for name, state in drawn.items():
            want = expected[org][name]
            assert (state["marks"], state["traces"]) == (want["marks"], want["traces"]), (org, name, state, want)
    page = output.read_text()
    assert page.count("<h3>Can we trust these scores?</h3>") == len(backtested)


@needs_chromium
def test_retention_charts_render_for_every_organization_with_rows(dashboard):
    """ "Retention": every organisation with cohort_retention rows gets the cohort heatmap (one
    heatmap image) and the cumulative revenue per customer (a line per cohort, a marker per
    row); those with an sBG prediction in contract_survival get observed against predicted
    survival (2 traces, a marker per non-NULL value), the others none; drawn in Chromium."""
    project, output = dashboard
    per_org = _render_check(output)
    expected: dict[str, dict[str, dict]] = {}
    for r in project.query("""
            select organization_id, count(*) as rows, count(distinct cohort_month) as cohorts
            from marts.cohort_retention group by 1"""):
        expected.setdefault(r["organization_id"], {}).update(
            cohort_retention={"marks": 1, "traces": 1},
            cohort_revenue={"marks": r["rows"], "traces": r["cohorts"]},
        )
    survival = project.query("""
            select organization_id, count(observed_survival) + count(predicted_survival) as marks, 2 as traces
            from marts.contract_survival group by 1 having count(predicted_survival) > 0""")
    for r in survival:
        expected.setdefault(r["organization_id"], {})["contract_survival"] = r
    # the generated data: every organisation has cohorts, the telecom's contracts an sBG fit
    assert set(expected) == set(per_org) and len(per_org) == 3, expected
    assert survival and len(survival) < len(per_org), survival
    for org in per_org:
        drawn = {name: state for name, state in per_org[org].items() if name in RETENTION_CHARTS}
        assert set(drawn) == set(expected.get(org, {})), (org, sorted(drawn))
        for name, state in drawn.items():
            want = expected[org][name]
            assert (state["marks"], state["traces"]) == (want["marks"], want["traces"]), (org, name, state, want)
    assert output.read_text().count("<h3>Retention</h3>") == len(expected)


@needs_chromium
def test_dashboard_is_self_contained_and_saves_a_screenshot(dashboard):
    _, output = dashboard
    page = output.read_text()
    # works offline: every script is inline (Plotly's bundle included), none is fetched
    tags = re.findall(r"<script[^>]*>", re.sub(r"(<script[^>]*>).*?</script>", r"\1", page, flags=re.S))
    assert tags and not any("src=" in tag for tag in tags), tags
    assert "plotly.js" in page.lower() and len(page) > 1_000_000
    screenshot = PROJECT_ROOT / "target" / "dashboard_screenshot.png"
    screenshot.parent.mkdir(exist_ok=True)
    screenshot.unlink(missing_ok=True)
    # tall enough for the first organisation's charts, its "Retention" and its "Can we trust these scores?" views
    _chromium(f"--screenshot={screenshot}", "--window-size=1400,4200", output.as_uri())
    assert screenshot.exists() and screenshot.stat().st_size > 20_000


def test_summary_shows_each_model_fit_and_the_backtest(dashboard):
    """scripts/summary.py on the published marts: per organisation one lifetime-value line per
    model (its parameters, or why it is not fitted), which customers model churn scores, one
    retention line (month-1 and month-3 retention of the latest cohorts with such a row), one
    contract-survival line where contract_survival has sBG predictions (the period of the largest
    gap), and one backtest line (churn rate, AUC per source, predicted against actual purchases)."""
    project, _ = dashboard
    out = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "summary.py"), "--db", str(default_published(project.db_path))],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "1 - P(alive)" not in out
    blocks = {}
    for block in out.split("\n\n"):
        found = re.search(r"\(\w+, ([0-9a-f-]{36})\): ", block.split("\n")[0])
        if found:
            blocks[found.group(1)] = block
    assert len(blocks) == 3
    for fit in project.query("select * from marts.clv_model_params"):
        block, name = blocks[fit["organization_id"]], MODEL_NAMES[fit["model"]]
        if not fit["converged"]:
            assert f"  lifetime value: {name} not fitted - {fit['reason']}" in block
        else:
            if fit["model"] == "sbg":
                params = (
                    f"alpha={fit['sbg_alpha']:.3f} beta={fit['sbg_beta']:.3f}"
                    if fit["variant"] == "full"
                    else f"theta={fit['dropout_probability']:.4f}"
                )
            else:
                params = (
                    f"r={fit['r']:.3f} alpha={fit['alpha']:.2f} d"
                    + {
                        "full": lambda fit=fit: f" a={fit['a']:.3f} b={fit['b']:.3f}",
                        "homogeneous_dropout": lambda fit=fit: f" theta={fit['dropout_probability']:.4f}",
                        "no_dropout": lambda: "",
                    }[fit["variant"]]()
                )
            assert (
                f"  lifetime value: {name} ({fit['variant'].replace('_', ' ')}) {params}"
                f" on {fit['customers_fitted']:,} customers, AIC {fit['aic']:,.1f}"
            ) in block
    for org, block in blocks.items():
        fitted = project.query(f"select count(*) as n from marts.clv_model_params where organization_id = '{org}'")[0][
            "n"
        ]
        assert block.count("  lifetime value: ") == fitted
        model_churn = project.query(
            f"select count(*) as n from marts.customer_segments where organization_id = '{org}'"
            " and churn_score_source = 'model'"
        )[0]["n"]
        assert f"is the churn score of {model_churn:,} customer(s)" in block
        sources = project.query(f"select * from marts.churn_backtest where organization_id = '{org}'")
        assert sources, org  # the generated data: every organisation is backtested
        lines = [line for line in block.split("\n") if line.startswith("  backtest (")]
        assert len(lines) == 1, block
        line = lines[0]
        assert line.startswith(
            f"  backtest (calibration {sources[0]['calibration_date']}, {sources[0]['horizon_days']} days): "
        )
        widest = max(sources, key=lambda r: r["customers"])
        assert f"{widest['customers']:,} customers, churn {100 * widest['churn_rate']:.1f}%" in line
        auc = line.split(" | AUC ")[1].split(" | ")[0]
        for r in sources:
            assert f"{r['source']} {'n/a' if r['auc'] is None else format(r['auc'], '.2f')}" in auc, (r, line)
        for p in project.query(f"select * from marts.clv_backtest where organization_id = '{org}'"):
            predicted = "n/a" if p["predicted_purchases"] is None else f"{p['predicted_purchases']:,.0f}"
            assert f"predicted {predicted}" in line and f"vs actual {p['actual_purchases']:,.0f} purchases" in line, (
                line
            )
        _assert_retention_lines(project, org, block)


def _assert_retention_lines(project, org: str, block: str) -> None:
    """The summary block's retention line (the latest cohorts with a month-1 and a month-3 row)
    and contract-survival line (the period where observed and predicted differ most, the
    earliest on a tie; none without a prediction), as the marts say."""
    latest = project.query(f"""
        select months_since_acquisition as k, cohort_month, retention_rate, cohort_customers
        from marts.cohort_retention as c
        where organization_id = '{org}' and months_since_acquisition in (1, 3)
          and cohort_month = (select max(cohort_month) from marts.cohort_retention
                              where organization_id = c.organization_id
                                and months_since_acquisition = c.months_since_acquisition)
        order by k""")
    assert latest, org  # the generated data: every organisation has cohorts a month old
    parts = [
        f"month {r['k']} {100 * r['retention_rate']:.1f}% (cohort {r['cohort_month']:%Y-%m}, "
        f"{r['cohort_customers']:,} acquired)"
        for r in latest
    ]
    lines = block.split("\n")
    assert [line for line in lines if line.startswith("  retention: ")] == ["  retention: " + ", ".join(parts)]
    gaps = project.query(f"""
        select period, observed_survival, predicted_survival, eligible_customers from marts.contract_survival
        where organization_id = '{org}' and observed_survival is not null and predicted_survival is not null
        order by abs(round(observed_survival * 10000) - round(predicted_survival * 10000)) desc, period
        limit 1""")
    assert [line for line in lines if line.startswith("  contract survival: ")] == [
        f"  contract survival: largest gap at period {g['period']}, observed {100 * g['observed_survival']:.1f}% vs "
        f"sBG-predicted {100 * g['predicted_survival']:.1f}% ({g['eligible_customers']:,} eligible)"
        for g in gaps
    ]


def _analysis(project, name: str, vars: dict | None = None) -> list[dict]:
    project.run("compile", "--select", f"resource_type:analysis,{name}", vars=vars)
    sql = (project.root / "target" / "compiled" / "retention_analytics" / "analyses" / f"{name}.sql").read_text()
    return project.query(sql)


def test_top_revenue_at_risk_customers(dashboard):
    project, _ = dashboard
    rows = _analysis(project, "top_revenue_at_risk_customers", {"top_n": 5})
    best = {
        r["organization_id"]: r["revenue_at_risk"]
        for r in project.query(
            "select organization_id, max(revenue_at_risk) as revenue_at_risk from marts.customer_segments group by 1"
        )
    }
    assert {r["organization_id"] for r in rows} == set(best)
    for org, top in best.items():
        mine = [r for r in rows if r["organization_id"] == org]
        assert len(mine) == 5 and [r["risk_rank"] for r in mine] == [1, 2, 3, 4, 5]
        assert mine[0]["revenue_at_risk"] == top
        assert [r["revenue_at_risk"] for r in mine] == sorted((r["revenue_at_risk"] for r in mine), reverse=True)


def test_customer_profile_gathers_everything_about_one_customer(dashboard):
    project, _ = dashboard
    customer = project.query("""
        select customer_id, segment, churn_risk_level from marts.customer_segments
        where customer_id in (select customer_id from marts.behavior_risk_signals)
        order by customer_id limit 1""")[0]
    rows = _analysis(project, "customer_profile", {"profile_customer_id": customer["customer_id"]})
    assert len(rows) == 1
    profile = rows[0]
    assert (profile["segment"], profile["churn_risk_level"]) == (customer["segment"], customer["churn_risk_level"])
    signals = {
        r["risk_signal"]: r["recommendation"]
        for r in project.query(
            "select risk_signal, recommendation from marts.behavior_risk_signals where customer_id = "
            f"'{customer['customer_id']}'"
        )
    }
    assert json.loads(profile["risk_signals"]) == signals and signals
    assert "clv_365d" in profile and profile["behavior_score"] is not None
    # its CLV model and model churn, as in customer_lifetime_value (none without a value event)
    value = project.query(
        f"select model, churn_probability from marts.customer_lifetime_value"
        f" where customer_id = '{customer['customer_id']}'"
    )
    assert (profile["clv_model"], profile["model_churn_probability"]) == (
        (value[0]["model"], value[0]["churn_probability"]) if value else (None, None)
    )


def test_risk_signal_co_occurrence_is_symmetric(dashboard):
    project, _ = dashboard
    rows = _analysis(project, "risk_signal_co_occurrence")
    both = {(r["organization_id"], r["signal"], r["with_signal"]): r["customers_with_both"] for r in rows}
    assert both and all(both[(o, b, a)] == n for (o, a, b), n in both.items())
    assert all(0 < r["pct_of_signal"] <= 100 for r in rows)


def test_segments_by_industry_adds_up(dashboard):
    project, _ = dashboard
    rows = _analysis(project, "segments_by_industry")
    totals = {
        r["org_type"]: r["n"]
        for r in project.query("select org_type, count(*) as n from marts.customer_segments group by 1")
    }
    for industry, total in totals.items():
        mine = [r for r in rows if r["org_type"] == industry]
        assert sum(r["customers"] for r in mine) == total
        assert abs(sum(r["pct_of_industry"] for r in mine) - 100) < 0.1


def test_static_docs_are_one_file_with_descriptions_and_columns(dashboard):
    """`dbt docs generate --static`: one HTML file with the manifest (descriptions, doc() blocks
    rendered) and the catalog (the built columns and their types) embedded."""
    project, _ = dashboard
    project.run("docs", "generate", "--static")
    page = (project.root / "target" / "static_index.html").read_text()
    tags = re.findall(r"<script[^>]*>", re.sub(r"(<script[^>]*>).*?</script>", r"\1", page, flags=re.S))
    assert not any("src=" in tag for tag in tags)
    assert "Rejected input rows" in page or "data_quality_rejects" in page
    catalog = json.loads((project.root / "target" / "catalog.json").read_text())
    segments = next(node for key, node in catalog["nodes"].items() if key.endswith(".customer_segments"))
    assert {"segment", "churn_risk_level", "revenue_at_risk"} <= set(segments["columns"])
    manifest = json.loads((project.root / "target" / "manifest.json").read_text())
    node = manifest["nodes"]["model.retention_analytics.customer_segments"]
    assert node["columns"]["customer_id"]["description"] and "{{" not in node["columns"]["customer_id"]["description"]
    assert node["config"]["persist_docs"] == {"relation": True, "columns": True}
    comment = project.query("select comment from duckdb_tables() where table_name = 'customer_segments'")[0]["comment"]
    assert comment and comment.strip() == node["description"].strip()


def _mf_query(project, metrics: str, group_by: str, where: str | None = None) -> list[dict]:
    mf = shutil.which("mf", path=str(Path(sys.executable).parent))
    if mf is None:
        pytest.skip("dbt-metricflow is not installed (requirements-semantic.txt)")
    output = project.root / "target" / f"mf_{metrics.replace(',', '_')}.csv"
    proc = subprocess.run(
        [mf, "query", "--metrics", metrics, "--group-by", group_by, "--csv", str(output)]
        + (["--where", where] if where else []),
        cwd=project.root,
        env={**project.env(), "DBT_PROFILES_DIR": str(project.root)},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(output) as handle:
        return list(csv.DictReader(handle))


def test_metrics_through_metricflow_equal_the_marts(dashboard):
    project, _ = dashboard
    rows = _mf_query(project, "customers,revenue_at_risk", "customer__organization_id,customer__segment")
    mart = {
        (r["organization_id"], r["segment"]): r
        for r in project.query(
            "select organization_id, segment, customer_count, revenue_at_risk from marts.segment_distribution"
            " where customer_count > 0"
        )
    }
    assert len(rows) == len(mart) > 10
    for row in rows:
        expected = mart[(row["customer__organization_id"], row["customer__segment"])]
        assert int(row["customers"]) == expected["customer_count"]
        assert abs(float(row["revenue_at_risk"]) - expected["revenue_at_risk"]) < 0.01

    rows = _mf_query(project, "average_behavior_score,signal_prevalence", "behavior_customer__organization_id")
    insights = {
        r["organization_id"]: r
        for r in project.query("""
        select i.organization_id, i.avg_behavior_score,
               (select count(*) from marts.behavior_analysis as b
                where b.organization_id = i.organization_id and b.risk_signal_count > 0) * 1.0
               / i.total_customers as prevalence
        from marts.behavior_insights as i""")
    }
    assert len(rows) == len(insights) == 3
    for row in rows:
        expected = insights[row["behavior_customer__organization_id"]]
        assert abs(float(row["average_behavior_score"]) - expected["avg_behavior_score"]) < 0.01
        assert abs(float(row["signal_prevalence"]) - expected["prevalence"]) < 1e-9

    # retention_rate, a ratio over cohort_retention: at month 1 since acquisition, the active
    # customers of all the organisation's cohorts over the customers they acquired
    rows = _mf_query(
        project,
        "retention_rate",
        "cohort__organization_id,cohort__months_since_acquisition",
        "{{ Dimension('cohort__months_since_acquisition') }} = 1",
    )
    ratios = {
        r["organization_id"]: r["ratio"]
        for r in project.query("""
        select organization_id, sum(active_customers) * 1.0 / sum(cohort_customers) as ratio
        from marts.cohort_retention where months_since_acquisition = 1 group by 1""")
    }
    assert len(rows) == len(ratios) == 3
    for row in rows:
        assert int(row["cohort__months_since_acquisition"]) == 1
        assert abs(float(row["retention_rate"]) - ratios[row["cohort__organization_id"]]) < 1e-9
