#!/usr/bin/env python
"""Publish the marts of the working DuckDB database for readers, atomically.

The command only; the code is retention_tools.publish (its docstring has the details),
run from this checkout (scripts/_checkout.py).
"""

import _checkout  # noqa: F401  (this checkout's code and project first)

from retention_tools.publish import main

raise SystemExit(main())
