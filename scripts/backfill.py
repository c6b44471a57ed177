#!/usr/bin/env python
"""Run the scheduled build for a range of as_of_dates, oldest first, to fill the history.

The command only; the code is retention_tools.backfill (its docstring has the details), installed
with the project's requirements (`pip install -e .`).
"""

from retention_tools.backfill import main

raise SystemExit(main())
