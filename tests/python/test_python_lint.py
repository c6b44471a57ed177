"""The Python passes ruff (lint and format, configured in pyproject.toml), and no function of
the packages retention_tools and retention_clv is longer than 80 lines."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dbt_runner import PROJECT_ROOT

RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent))
MAX_FUNCTION_LINES = 80


@pytest.mark.skipif(RUFF is None, reason="requirements-lint.txt is not installed")
@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_python_passes_ruff(command):
    proc = subprocess.run([RUFF, *command, "."], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]


def _long_functions(path: Path, root: Path = PROJECT_ROOT) -> list[str]:
    """Each function of ``path`` longer than MAX_FUNCTION_LINES, as `file:line name (N lines)`."""
    return [
        f"{path.relative_to(root)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]


def test_no_package_function_over_80_lines():
    paths = [
        path for package in ("retention_tools", "retention_clv") for path in (PROJECT_ROOT / package).rglob("*.py")
    ]
    assert paths
    assert [found for path in sorted(paths) for found in _long_functions(path)] == []


def test_the_length_check_finds_a_long_function(tmp_path):
    """The check above can fail: an 81-line function is reported, an 80-line one is not."""
    module = tmp_path / "module.py"
    module.write_text("def long():\n" + "    x = 1\n" * 80 + "def short():\n" + "    x = 1\n" * 79)
    assert _long_functions(module, tmp_path) == ["module.py:1 long (81 lines)"]
