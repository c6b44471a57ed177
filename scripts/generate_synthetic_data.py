#!/usr/bin/env python
"""Generate the synthetic raw data of the retention-analytics demo.

    python scripts/generate_synthetic_data.py --customers 10000 --seed 42 \\
        --out data/raw --upload seeds/synthetic_churn_predictions.csv [--bad] [--format csv]

The command only; the code is the package retention_tools.generator (its docstring describes
the personas, the events and what --bad adds), installed with the project's requirements.
"""

import _checkout  # noqa: F401  (this checkout's code and project first)

from retention_tools.generator.cli import main

raise SystemExit(main())
