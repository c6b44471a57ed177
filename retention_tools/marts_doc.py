"""docs/marts.md, written from the marts' YAML: every mart readers query, by area, with its
description and columns, so that the page cannot drift from the models (test_docs checks
that the file equals what this writes).

    python -m retention_tools.marts_doc      # rewrites docs/marts.md
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from retention_tools import PROJECT_ROOT

MARTS = PROJECT_ROOT / "models" / "marts"
AREAS = [  # folder, title
    ("segmentation", "Segmentation"),
    ("behavior", "Behaviour"),
    ("predictions", "Predictions"),
    ("retention", "Retention"),
    ("quality", "Data quality"),
    (".", "Shared"),
    ("history", "History of scheduled runs (committed to the marts as the tables without `_staged`)"),
]
PAGE = PROJECT_ROOT / "docs" / "marts.md"


def _doc_blocks() -> dict[str, str]:
    blocks = {}
    for path in (PROJECT_ROOT / "models" / "docs").glob("*.md"):
        for name, body in re.findall(r"{% docs (\w+) %}(.*?){% enddocs %}", path.read_text(), flags=re.S):
            blocks[name] = " ".join(body.split())
    return blocks


def _text(description: str | None, blocks: dict[str, str]) -> str:
    text = re.sub(r"{{\s*doc\('(\w+)'\)\s*}}", lambda m: blocks[m.group(1)], description or "")
    return " ".join(text.split())


def _models(folder: Path) -> list[dict]:
    models = []
    for path in sorted(folder.glob("_*__models.yml")):
        models += yaml.safe_load(path.read_text()).get("models", [])
    return models


def render() -> str:
    blocks = _doc_blocks()
    lines = [
        "# Marts",
        "",
        "What readers query, in schema `marts` (plus the seed `segment_definitions`), by area. Written",
        "from the models' YAML by `python -m retention_tools.marts_doc`; the column descriptions are",
        "in `dbt docs` and in the database's column comments.",
    ]
    for folder, title in AREAS:
        directory = MARTS / folder
        models = _models(directory) + (_models(directory / "clv") if (directory / "clv").is_dir() else [])
        if not models:
            continue
        lines += ["", f"## {title}"]
        for model in models:
            columns = ", ".join(f"`{c['name']}`" for c in model.get("columns", []))
            lines += ["", f"### {model['name']}", "", _text(model.get("description"), blocks)]
            if columns:
                lines += ["", f"Columns: {columns}."]
    return "\n".join(lines) + "\n"


def main() -> int:
    PAGE.write_text(render())
    print(PAGE)
    return 0


if __name__ == "__main__":  # python -m retention_tools.marts_doc
    raise SystemExit(main())
