"""The facts that dbt_project.yml holds and Python needs too, read from it so that each is
written once: the raw tables' columns (var raw_table_columns, also read by the SQL macro
raw_table_columns), the transaction types per industry and the value events among them."""

from __future__ import annotations

from functools import lru_cache

import yaml  # dbt's own dependency

from retention_tools import PROJECT_ROOT


@lru_cache(maxsize=1)
def project_vars() -> dict:
    """The vars block of the project's dbt_project.yml (its defaults, not a run's --vars)."""
    return yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]


def raw_table_columns() -> dict[str, dict[str, str]]:
    """Per raw table, its columns in order with their SQL type (varchar, double, date, timestamp)."""
    return project_vars()["raw_table_columns"]


def transaction_types() -> dict[str, list[str]]:
    """Per industry, its valid transaction types."""
    return project_vars()["transaction_types"]


def value_transaction_types() -> dict[str, list[str]]:
    """Per industry, the transaction types that are value events (they make R, F and M)."""
    return project_vars()["value_transaction_types"]
