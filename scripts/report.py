#!/usr/bin/env python
"""Write the retention dashboard: one self-contained HTML file from the DuckDB marts.

The command only; the code is retention_tools.report (its docstring has the details), installed
with the project's requirements (`pip install -e .`).
"""

from retention_tools.report import main

raise SystemExit(main())
