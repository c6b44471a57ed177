"""Releases (docs/development.md, Releases): one version in dbt_project.yml, pyproject.toml and
the newest numbered heading of CHANGELOG.md, and every deprecated alias naming a release
that is still to come as the one that removes it."""

from __future__ import annotations

import re

import pytest
import tomllib
import yaml

import retention_clv
from dbt_runner import PROJECT_ROOT


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _current() -> str:
    return yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["version"]


def test_one_version_everywhere():
    dbt_version = _current()
    python_version = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    headings = re.findall(
        r"^## (\d+\.\d+\.\d+) — \d{4}-\d{2}-\d{2}$", (PROJECT_ROOT / "CHANGELOG.md").read_text(), flags=re.M
    )
    assert dbt_version == python_version == headings[0]
    assert headings == sorted(headings, key=_version, reverse=True)  # newest first


def _deprecated_metrics() -> list[dict]:
    models = yaml.safe_load((PROJECT_ROOT / "models" / "semantic" / "_semantic_models.yml").read_text())
    return [m for m in models["metrics"] if "deprecated" in m.get("description", "").lower()]


def test_each_deprecated_metric_names_a_coming_release_that_removes_it():
    metrics = _deprecated_metrics()
    assert metrics  # analysed_customers, until 0.3.0
    for metric in metrics:
        removed = re.search(r"removed in (\d+\.\d+\.\d+)", metric["description"])
        assert removed and _version(removed.group(1)) > _version(_current()), metric["name"]


def _deprecated_columns() -> list[tuple[str, dict]]:
    found = []
    for path in (PROJECT_ROOT / "models").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            for column in model.get("columns") or []:
                if "deprecated" in column.get("description", "").lower():
                    found.append((f"{model['name']}.{column['name']}", column))
    return found


def test_each_deprecated_column_names_a_coming_release_that_removes_it():
    columns = _deprecated_columns()
    assert {name for name, _ in columns} >= {"behavior_analysis.activity_last_30", "behavior_analysis.value_prev_30"}
    for name, column in columns:
        removed = re.search(r"removed in (\d+\.\d+\.\d+)", column["description"])
        assert removed and _version(removed.group(1)) > _version(_current()), name


@pytest.mark.parametrize("alias", ["score_organisations", "summarise"])
def test_each_deprecated_function_warns_naming_a_coming_release(alias):
    with pytest.warns(DeprecationWarning, match=r"removed in (\d+\.\d+\.\d+)") as caught, pytest.raises(TypeError):
        getattr(retention_clv, alias)()  # no arguments: the warning comes first, then the real function's error
    removed = re.search(r"removed in (\d+\.\d+\.\d+)", str(caught[0].message)).group(1)
    assert _version(removed) > _version(_current())
