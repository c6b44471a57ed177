"""Writing the raw tables as Parquet or CSV, in the columns of the raw contract."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from retention_tools.project_vars import raw_table_columns

ARROW_TYPES = {"varchar": pa.string(), "double": pa.float64(), "date": pa.date32(), "timestamp": pa.timestamp("us")}


def contract_schema(table: str) -> pa.Schema:
    """The raw table's columns and types as the project reads them (var raw_table_columns)."""
    return pa.schema([(name, ARROW_TYPES[kind]) for name, kind in raw_table_columns()[table].items()])


TXN_SCHEMA_TS = contract_schema("transactions")
# with --bad, timestamps are text so that an unparseable one can be written
TXN_SCHEMA_TEXT = TXN_SCHEMA_TS.set(TXN_SCHEMA_TS.get_field_index("occurred_at"), pa.field("occurred_at", pa.string()))
CSV_OPTIONS = pa_csv.WriteOptions(include_header=True)


def _csv_ready(table: pa.Table) -> pa.Table:
    """Timestamps as 'YYYY-MM-DD HH:MM:SS' text in CSV files."""
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            text = pc.strftime(table.column(i).cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
            table = table.set_column(i, pa.field(field.name, pa.string()), text)
    return table


class TableWriter:
    def __init__(self, path: Path, schema: pa.Schema, fmt: str):
        self.path, self.fmt, self.rows = path, fmt, 0
        if fmt == "parquet":
            # no dictionary for unique random ids (transaction_id): it only costs time
            dictionary = [f.name for f in schema if f.name != "transaction_id"]
            self.w = pq.ParquetWriter(path, schema, compression="zstd", use_dictionary=dictionary)
        else:
            self.w = pa_csv.CSVWriter(path, _csv_ready(schema.empty_table()).schema, write_options=CSV_OPTIONS)

    def write(self, table: pa.Table):
        if self.fmt == "csv":
            table = _csv_ready(table)
        self.w.write_table(table)
        self.rows += table.num_rows

    def close(self):
        self.w.close()


def write_table(out: Path, name: str, table: pa.Table, fmt: str) -> int:
    """Write a whole raw table; its columns must be the contract's, in order."""
    expected = list(raw_table_columns()[name])
    if table.column_names != expected:
        raise ValueError(f"{name}: columns {table.column_names} are not the raw contract's {expected}")
    w = TableWriter(out / f"{name}.{fmt}", table.schema, fmt)
    w.write(table)
    w.close()
    return table.num_rows


def rows_to_table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)
