#!/usr/bin/env python
"""The prediction fit step for engines without dbt Python models (PostgreSQL).

The command only; the code is retention_tools.fit_step (its docstring has the details).
"""

from retention_tools.fit_step import main

raise SystemExit(main())
