#!/usr/bin/env python
"""Write the retention dashboard: one self-contained HTML file from the DuckDB marts.

The command only; the code is retention_tools.report (its docstring has the details),
run from this checkout (scripts/_checkout.py).
"""

import _checkout  # noqa: F401  (this checkout's code and project first)

from retention_tools.report import main

raise SystemExit(main())
