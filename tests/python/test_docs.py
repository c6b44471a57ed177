"""The docs document every risk signal of the catalog and every var of dbt_project.yml, and
every relative link in the README and docs/ points at a file (and heading) that exists."""

from __future__ import annotations

import csv
import re

import pytest

from dbt_runner import PROJECT_ROOT
from retention_tools import marts_doc

DOCS = sorted((PROJECT_ROOT / "docs").glob("*.md"))
PAGES = [PROJECT_ROOT / "README.md", *DOCS]


def test_docs_list_every_signal_and_var():
    behavior = (PROJECT_ROOT / "docs" / "behavior.md").read_text()
    with open(PROJECT_ROOT / "seeds" / "risk_signal_catalog.csv") as f:
        catalog = list(csv.DictReader(f))
    assert len(catalog) == 18
    for row in catalog:
        assert f"| {row['org_type']} | `{row['risk_signal']}` |" in behavior, row["risk_signal"]
        assert row["recommendation"] in behavior, row["risk_signal"]
    documented = "\n".join(p.read_text() for p in DOCS)
    project = (PROJECT_ROOT / "dbt_project.yml").read_text()
    block = project.split("\nvars:\n", 1)[1].split("\nmodels:", 1)[0]
    names = re.findall(r"^  ([a-z_]+):", block, flags=re.M)
    assert len(names) > 40
    for name in names:
        assert f"`{name}`" in documented, name


def _anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    return re.sub(r"[^a-z0-9 _-]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page):
    text = page.read_text()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), file, mailto
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name}: {target}"
        if fragment and linked.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", linked.read_text(), flags=re.M)
            assert fragment in {_anchor(h) for h in headings}, f"{page.name}: {target}"


def test_nothing_points_outside_the_repository():
    """The repository explains its rules itself: no reference to a contract document it lacks."""
    for path in PROJECT_ROOT.rglob("*"):
        if (
            any(
                part in {".git", ".venv", "target", "dbt_packages", "logs", "data", "__pycache__"}
                for part in path.relative_to(PROJECT_ROOT).parts
            )
            or not path.is_file()
        ):
            continue
        if (
            path.suffix not in {".md", ".sql", ".py", ".yml", ".sh", ".toml", ".txt", ".cfg"}
            and path.name != ".sqlfluff"
        ):
            continue
        text = path.read_text(errors="replace")
        # the word, in any case, assembled so that this file does not contain it
        found = re.search(r"\b" + "sp" + r"ecs?\b", text, flags=re.I)
        assert found is None, f"{path.relative_to(PROJECT_ROOT)} says {found and found.group()!r}"


def test_the_marts_page_is_written_from_the_yaml():
    """docs/marts.md is what `python -m retention_tools.marts_doc` writes from the marts' YAML,
    and lists every mart model."""
    assert (PROJECT_ROOT / "docs" / "marts.md").read_text() == marts_doc.render(), (
        "docs/marts.md is stale: run python -m retention_tools.marts_doc"
    )
    page = marts_doc.render()
    for sql in (PROJECT_ROOT / "models" / "marts").rglob("*.sql"):
        assert f"### {sql.stem}\n" in page, sql.stem
