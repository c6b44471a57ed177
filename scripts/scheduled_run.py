#!/usr/bin/env python
"""One scheduled run: dbt build, then publish the marts for readers (what cron calls).

The command only; the code is retention_tools.scheduled_run (its docstring has the details), installed
with the project's requirements (`pip install -e .`).
"""

from retention_tools.scheduled_run import main

raise SystemExit(main())
