#!/usr/bin/env python
"""Benchmark the whole project on generated data of a given size.

The command only; the code is retention_tools.benchmark (its docstring has the details),
run from this checkout (scripts/_checkout.py).
"""

import _checkout  # noqa: F401  (this checkout's code and project first)

from retention_tools.benchmark import main

raise SystemExit(main())
