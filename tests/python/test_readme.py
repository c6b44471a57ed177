"""The README documents every risk signal of the catalog and every var of dbt_project.yml."""
from __future__ import annotations

import csv
import re

from dbt_runner import PROJECT_ROOT


def test_readme_lists_every_signal_and_var():
    readme = (PROJECT_ROOT / "README.md").read_text()
    with open(PROJECT_ROOT / "seeds" / "risk_signal_catalog.csv") as f:
        catalog = list(csv.DictReader(f))
    assert len(catalog) == 18
    for row in catalog:
        assert f"| {row['org_type']} | `{row['risk_signal']}` |" in readme, row["risk_signal"]
        assert row["recommendation"] in readme, row["risk_signal"]
    project = (PROJECT_ROOT / "dbt_project.yml").read_text()
    block = project.split("\nvars:\n", 1)[1].split("\nmodels:", 1)[0]
    names = re.findall(r"^  ([a-z_]+):", block, flags=re.M)
    assert len(names) > 40
    for name in names:
        assert f"`{name}`" in readme, name
