#!/usr/bin/env python
"""Load a raw directory into the `raw_schema` of the PostgreSQL or Spark target.

The command only; the code is retention_tools.load_raw (its docstring has the details),
run from this checkout (scripts/_checkout.py).
"""

import _checkout  # noqa: F401  (this checkout's code and project first)

from retention_tools.load_raw import main

raise SystemExit(main())
