#!/usr/bin/env python
"""Benchmark the whole project on generated data of a given size.

The command only; the code is retention_tools.benchmark (its docstring has the details), installed
with the project's requirements (`pip install -e .`).
"""

from retention_tools.benchmark import main

raise SystemExit(main())
