#!/usr/bin/env python
"""Run the scheduled build for a range of as_of_dates, oldest first, to fill the history.

The command only; the code is retention_tools.backfill (its docstring has the details),
run from this checkout (scripts/_checkout.py).
"""

import _checkout  # noqa: F401  (this checkout's code and project first)

from retention_tools.backfill import main

raise SystemExit(main())
