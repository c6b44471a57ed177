"""The tests' access to the project-copy runner (retention_tools.project_copy), and a DuckDB build's marts."""

from retention_tools import DBT, PROJECT_ROOT  # noqa: F401
from retention_tools.project_copy import DbtProject, make_project  # noqa: F401

# Columns that differ between two runs by nature: left out of comparisons.
RUN_COLUMNS = {"assigned_at", "analyzed_at", "written_at", "invocation_id"}


def duckdb_marts(project: DbtProject) -> dict[str, list[tuple]]:
    """Every relation of schema marts of a DuckDB build, rows sorted, RUN_COLUMNS left out."""
    tables = [
        r["table_name"]
        for r in project.query(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        )
    ]
    dumps = {}
    for table in tables:
        columns = [
            r["column_name"]
            for r in project.query(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                f"and table_name = '{table}' order by ordinal_position"
            )
            if r["column_name"] not in RUN_COLUMNS
        ]
        quoted = ", ".join(f'"{c}"' for c in columns)
        dumps[table] = [tuple(r.values()) for r in project.query(f"select {quoted} from marts.{table} order by all")]
    return dumps


def assert_reads_see_one_run(reads: list[dict], stderr: str, run_of, customers: int, first: str, last: str) -> None:
    """What a reader process printed while runs were published (one JSON object per read): no
    read failed, each saw one run (``run_of(read)``: its single as_of_date, asserting there is
    one) with every customer, and the runs seen go from ``first`` to ``last``, never back in
    time (whether a read caught the runs between depends on the machine's speed)."""
    errors = [r["error"] for r in reads if "error" in r]
    assert not errors, errors[:3]
    assert len(reads) >= 3, stderr
    seen = []
    for read in reads:
        assert read["customers"] == customers, read
        seen.append(run_of(read))
    assert seen[0] == first and seen[-1] == last and seen == sorted(seen), seen
