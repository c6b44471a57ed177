"""The facts that dbt_project.yml holds and Python needs too, read from it so that each is
written once: the raw tables' columns (var raw_table_columns, also read by the SQL macro
raw_table_columns), the transaction types per industry and the value events among them; and
the vars a dbt command sees (dbt_vars), for the raw-file reader that runs inside dbt."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import yaml  # dbt's own dependency

from retention_tools import PROJECT_ROOT


@lru_cache(maxsize=8)
def _project_file(project_dir: Path) -> dict:
    return yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}


def project_vars(project_dir: str | Path = PROJECT_ROOT) -> dict:
    """The vars block of a project's dbt_project.yml, by default this one's (its defaults, not
    a run's --vars)."""
    return _project_file(Path(project_dir).resolve()).get("vars") or {}


def dbt_vars(project_dir: str | Path = PROJECT_ROOT, cli_vars: Mapping | None = None) -> dict:
    """The vars of this project as a dbt command on ``project_dir`` sees them: this project's
    defaults, then the vars of ``project_dir``'s dbt_project.yml (when it is another project,
    one that installs this one: its global vars, then those it scopes to this project), then
    the command's --vars (``cli_vars``). Values are as written (Jinja in a var is not rendered)."""
    merged = dict(project_vars())
    project_dir = Path(project_dir).resolve()
    if project_dir != PROJECT_ROOT.resolve():
        name = _project_file(PROJECT_ROOT.resolve())["name"]
        own = project_vars(project_dir)
        merged.update({key: value for key, value in own.items() if key != name})
        merged.update(own.get(name) or {})
    merged.update(cli_vars or {})
    return merged


def raw_table_columns(project_dir: str | Path = PROJECT_ROOT) -> dict[str, dict[str, str]]:
    """Per raw table, its columns in order with their SQL type (varchar, double, date, timestamp)."""
    return dbt_vars(project_dir)["raw_table_columns"]


def transaction_types() -> dict[str, list[str]]:
    """Per industry, its valid transaction types."""
    return project_vars()["transaction_types"]


def value_transaction_types() -> dict[str, list[str]]:
    """Per industry, the transaction types that are value events (they make R, F and M)."""
    return project_vars()["value_transaction_types"]
