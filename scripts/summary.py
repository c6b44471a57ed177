#!/usr/bin/env python
"""Print the demo's results per organisation from the built DuckDB marts.

The command only; the code is retention_tools.summary (its docstring has the details),
run from this checkout (scripts/_checkout.py).
"""

import _checkout  # noqa: F401  (this checkout's code and project first)

from retention_tools.summary import main

raise SystemExit(main())
