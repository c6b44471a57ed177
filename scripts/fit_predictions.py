#!/usr/bin/env python
"""The prediction fit step for engines without dbt Python models (PostgreSQL).

The command only; the code is retention_tools.fit_step (its docstring has the details).
"""

import _checkout  # noqa: F401  (this checkout's code and project first)

from retention_tools.fit_step import main

raise SystemExit(main())
