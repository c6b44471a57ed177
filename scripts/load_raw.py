#!/usr/bin/env python
"""Load a raw directory into the `raw_schema` of the PostgreSQL or Spark target.

The command only; the code is retention_tools.load_raw (its docstring has the details), installed
with the project's requirements (`pip install -e .`).
"""

from retention_tools.load_raw import main

raise SystemExit(main())
