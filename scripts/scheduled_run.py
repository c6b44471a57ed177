#!/usr/bin/env python
"""One scheduled run: dbt build, then publish the marts for readers (what cron calls).

The command only; the code is retention_tools.scheduled_run (its docstring has the details),
run from this checkout (scripts/_checkout.py).
"""

import _checkout  # noqa: F401  (this checkout's code and project first)

from retention_tools.scheduled_run import main

raise SystemExit(main())
