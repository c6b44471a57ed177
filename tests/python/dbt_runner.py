"""The tests' access to the project-copy runner (scripts/project_copy.py)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from project_copy import DBT, PROJECT_ROOT, DbtProject, make_project  # noqa: E402,F401
