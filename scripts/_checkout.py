"""Imported first by every command in scripts/: the checkout the command belongs to comes
first on the import path, so the command runs this checkout's code (retention_tools,
retention_clv) on this checkout's project (retention_tools.PROJECT_ROOT), whichever checkout
the shared virtual environment was installed from."""

import sys
from pathlib import Path

CHECKOUT = str(Path(__file__).resolve().parents[1])
if sys.path[:1] != [CHECKOUT]:
    sys.path.insert(0, CHECKOUT)
