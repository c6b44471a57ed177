#!/usr/bin/env python
"""Print the demo's results per organisation from the built DuckDB marts.

The command only; the code is retention_tools.summary (its docstring has the details), installed
with the project's requirements (`pip install -e .`).
"""

from retention_tools.summary import main

raise SystemExit(main())
