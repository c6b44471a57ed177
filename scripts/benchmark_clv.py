#!/usr/bin/env python
"""Benchmark the prediction stage (rules section 9) on simulated customers, through dbt.

The command only; the code is retention_tools.benchmark_clv (its docstring has the details), installed
with the project's requirements (`pip install -e .`).
"""

from retention_tools.benchmark_clv import main

raise SystemExit(main())
