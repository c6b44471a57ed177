#!/usr/bin/env python
"""Publish the marts of the working DuckDB database for readers, atomically.

The command only; the code is retention_tools.publish (its docstring has the details), installed
with the project's requirements (`pip install -e .`).
"""

from retention_tools.publish import main

raise SystemExit(main())
