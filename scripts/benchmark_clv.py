#!/usr/bin/env python
"""Benchmark the prediction stage (rules section 9) on simulated customers, through dbt.

The command only; the code is retention_tools.benchmark_clv (its docstring has the details),
run from this checkout (scripts/_checkout.py).
"""

import _checkout  # noqa: F401  (this checkout's code and project first)

from retention_tools.benchmark_clv import main

raise SystemExit(main())
