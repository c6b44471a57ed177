"""The cross-engine data set of two parts (test_cross_engine, test_history_out_of_order): the
hand-made fixture (raw CSVs with bad rows, plus lines no reader can take) and a generated data
set with bad rows of every kind, each raw table a folder of the two parts' CSV files; the upload
is the generated one, for its telecom organisation."""

from __future__ import annotations

import shutil

from conftest import generate
from handmade import FIXTURE

# as_of_dates of the history runs, in date order
HISTORY_IN_ORDER = ("2026-05-02", "2026-05-20", "2026-06-01")
EARLIEST, BETWEEN, LATEST = HISTORY_IN_ORDER
TABLES = ("organizations", "customers", "transactions", "churn_predictions")
# Appended to the hand-made transactions: a quoted newline (read as written) before lines no
# reader can take (invalid UTF-8, too few fields, a broken quote, a cut-off last line), so
# every engine has the same unreadable_line rejects with the same line numbers.
UNREADABLE_LINES = (
    b'T_NEWLINE,a1000000-0000-4000-8000-000000000001,2026-05-01 09:00:00,call,,1,"two\nlines",\n'
    b"T_UNREADABLE,\xff\xfe,2026-05-01 10:00:00,login,,,,\n"
    b"T_SHORT,a1000000-0000-4000-8000-000000000001,2026-05-01 10:00:00\n"
    b'T_BADQUOTE,a1000000-0000-4000-8000-000000000001,2026-05-01 10:00:00,call,,1,"x"y,\n'
    b"T_CUT,a1000000-0000-4000-8000-000000000001,2026-05-01 11:00:00,topup,17"
)
HANDMADE_TRANSACTIONS = "transactions/1_handmade.csv"


def two_part_raw(tmp) -> tuple:
    """The raw folder (each table a folder: the generated part's file, then the hand-made
    one's, read in that order) and the generated upload."""
    generated = generate(
        tmp / "generated", "--customers", "200", "--seed", "7", "--bad", "--format", "csv", "--end-date", "2026-05-19"
    )
    raw = tmp / "raw"
    for name in TABLES:
        (raw / name).mkdir(parents=True)
        shutil.copy2(generated / f"{name}.csv", raw / name / "0_generated.csv")
        shutil.copy2(FIXTURE / f"{name}.csv", raw / name / "1_handmade.csv")
    with open(raw / HANDMADE_TRANSACTIONS, "ab") as handle:
        handle.write(UNREADABLE_LINES)
    return raw, generated / "upload.csv"
