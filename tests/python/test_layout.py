"""The layout the README describes holds: data flows staging -> intermediate -> marts, each
folder reads only the folders it may (the README's "Layout" section), read from dbt's own
manifest."""

from __future__ import annotations

import csv
import json
import re
import subprocess

import pytest

from dbt_runner import DBT, PROJECT_ROOT

INTERMEDIATE = "intermediate"
# folder -> the folders its models may read, besides their own folder
ALLOWED = {
    "staging": {"source", "seed"},
    "intermediate/validation": {"staging"},
    "intermediate/events": {"intermediate/validation"},
    "intermediate/segmentation": {
        "intermediate/validation",
        "intermediate/events",
        "intermediate/predictions/clv",
        "seed",
    },
    "intermediate/behavior": {"intermediate/validation", "intermediate/events"},
    "intermediate/predictions": {"intermediate/validation", "intermediate/events", "intermediate/predictions/clv"},
    "intermediate/predictions/clv": {"intermediate/predictions"},
}
# marts read intermediate models, seeds and their own area; these read a little more
MARTS_EXTRA = {
    "marts/segmentation": {"marts/history"},  # the previous segment
    "marts/history": {"staging", "marts/behavior"},  # the committed history; behavior_analysis
    "marts/quality": {"staging"},  # the unreadable lines
    "marts/retention": {"marts/predictions/clv"},  # the published sBG fit (clv_model_params)
}


@pytest.fixture(scope="module")
def edges(tmp_path_factory) -> set[tuple[str, str, str]]:
    target = tmp_path_factory.mktemp("layout_target")
    proc = subprocess.run(
        [
            DBT,
            "parse",
            "--project-dir",
            str(PROJECT_ROOT),
            "--profiles-dir",
            str(PROJECT_ROOT),
            "--target-path",
            str(target),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = {**manifest["nodes"], **manifest["sources"]}

    def folder(uid: str) -> str:
        node = nodes[uid]
        if node["resource_type"] in ("source", "seed"):
            return node["resource_type"]
        return "/".join(node["original_file_path"].split("/")[1:-1])

    return {
        (folder(uid), folder(parent), node["name"])
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        for parent in node["depends_on"]["nodes"]
    }


def test_every_folder_reads_only_what_it_may(edges):
    assert len({e for e in edges if e[0] != e[1]}) > 30  # the manifest was read
    wrong = []
    for child, parent, model in sorted(edges):
        if child == parent:
            continue
        if child.startswith("marts"):
            area = "/".join(child.split("/")[:2])
            allowed = (
                parent.startswith(INTERMEDIATE)
                or parent == "seed"
                or parent.startswith(area)
                or parent in MARTS_EXTRA.get(area, set())
            )
        else:
            allowed = parent in ALLOWED[child]
        if not allowed:
            wrong.append(f"{model} ({child}) reads {parent}")
    assert not wrong, wrong


def test_no_intermediate_model_reads_a_mart(edges):
    assert not [e for e in edges if e[0].startswith(INTERMEDIATE) and e[1].startswith("marts")]


def test_every_risk_signal_rule_has_a_catalog_row():
    """The signals the risk_signal_fires CASE names (macros/behavior/risk_signals.sql) are the
    catalog's (seeds/risk_signal_catalog.csv) for their industry: a rule without a catalog row
    would never be evaluated. The other way round is the data test
    assert_risk_signal_rules_match_catalog."""
    macro = (PROJECT_ROOT / "macros" / "behavior" / "risk_signals.sql").read_text()
    rules = set(re.findall(r"org_type_column }} = '(\w+)' and {{ signal_column }} = '(\w+)'", macro))
    with open(PROJECT_ROOT / "seeds" / "risk_signal_catalog.csv", newline="") as f:
        catalog = {(row["org_type"], row["risk_signal"]) for row in csv.DictReader(f)}
    assert len(rules) == 18
    assert rules == catalog


def test_a_counted_event_type_missing_from_the_var_stops_with_a_message(tmp_path):
    """The event pass names the types it counts through var transaction_types (macro
    event_type): a var without one of them stops dbt with a message naming it."""
    types = {
        "banking": ["transaction", "feature_use", "balance_check", "support_contact"],  # no login
        "telecom": ["data_usage", "call", "sms", "roaming", "bill_payment", "topup", "support_contact"],
        "ecommerce": ["view", "cart", "purchase", "return", "support_contact"],
    }
    proc = subprocess.run(
        [DBT, "parse", "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT)]
        + ["--target-path", str(tmp_path / "target"), "--vars", json.dumps({"transaction_types": types})],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "The event metrics count transaction type 'login' of industry banking, which var transaction_types" in (
        proc.stdout
    )


@pytest.mark.parametrize(
    ("var", "value"), [("cohort_months", 0), ("survival_periods", 2.5), ("cohort_months", "twelve")]
)
def test_a_retention_period_var_that_is_not_a_count_stops_with_a_message(tmp_path, var, value):
    """cohort_months and survival_periods say how many rows the retention marts enumerate
    (macro var_integer_series): anything but a whole number of at least 1 stops dbt naming it."""
    proc = subprocess.run(
        [DBT, "parse", "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT)]
        + ["--target-path", str(tmp_path / "target"), "--vars", json.dumps({var: value})],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert f"var {var} must be a whole number of at least 1, got {value}" in proc.stdout
