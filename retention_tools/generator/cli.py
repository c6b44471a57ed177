"""The command line: python scripts/generate_synthetic_data.py (see the package docstring)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from retention_tools.generator.bad_rows import BadRows, apply_bad_upload, build_bad_rows
from retention_tools.generator.events import events_for_chunk, transactions_table
from retention_tools.generator.personas import (
    CHUNK_CUSTOMERS,
    DEFAULT_END_DATE,
    ORGANIZATIONS,
    PREDICTION_BAND_SHARES,
    OrgCustomers,
    customers_table,
    make_customers,
)
from retention_tools.generator.sampling import child_rng
from retention_tools.generator.scores import churn_predictions_table, upload_rows
from retention_tools.generator.writers import (
    TXN_SCHEMA_TEXT,
    TXN_SCHEMA_TS,
    TableWriter,
    rows_to_table,
    write_table,
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Generate the synthetic raw data (organizations, customers, transactions, "
        "churn_predictions) and the telecom churn upload CSV. The docstring of the package "
        "retention_tools.generator describes the personas and what --bad adds."
    )
    p.add_argument("--customers", type=int, default=10000, help="customers per organisation (default 10000)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--out", default="data/raw", help="output directory of the raw tables (default data/raw)")
    p.add_argument(
        "--upload",
        default="seeds/synthetic_churn_predictions.csv",
        help="path of the uploaded churn CSV (default seeds/synthetic_churn_predictions.csv)",
    )
    p.add_argument(
        "--bad",
        action="store_true",
        help="add rows of every rejection kind of rules section 10 (+ bad_rows_manifest.json)",
    )
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="raw file format")
    p.add_argument(
        "--end-date",
        default=DEFAULT_END_DATE,
        help=f"date of the last event, YYYY-MM-DD (default {DEFAULT_END_DATE}; "
        "the project's default as_of_date is the day after). With very few customers "
        "the latest event may fall a little earlier.",
    )
    p.add_argument("--history-days", type=int, default=540, help="days of history up to the end date (default 540)")
    a = p.parse_args(argv)
    if a.customers < 1:
        p.error("--customers must be >= 1")
    if a.bad and a.customers < 10:
        p.error("--bad needs --customers >= 10")
    if a.history_days < 31:
        p.error("--history-days must be >= 31")
    try:
        np.datetime64(a.end_date, "D")
    except ValueError:
        p.error("--end-date must be YYYY-MM-DD")
    return a


def _remove_stale_files(out: Path, fmt: str, bad: bool) -> None:
    """Remove the raw tables of the other format (the dbt reader would pick the wrong file
    otherwise) and, without --bad, an earlier bad-rows manifest."""
    other = "csv" if fmt == "parquet" else "parquet"
    for name in ("organizations", "customers", "transactions", "churn_predictions"):
        stale = out / f"{name}.{other}"
        if stale.exists():
            print(f"removing stale {stale}")
            stale.unlink()
    manifest_path = out / "bad_rows_manifest.json"
    if manifest_path.exists() and not bad:
        manifest_path.unlink()


def _duplicate_sample(tbl: pa.Table, secs: np.ndarray, day0_sec: np.datetime64) -> dict:
    """An event of the table not on the last day (its occurred_at as text), to copy as a
    duplicate id with --bad."""
    j = min(tbl.num_rows // 2, tbl.num_rows - 1)
    row = tbl.slice(j, 1).to_pylist()[0]
    row["occurred_at"] = str(secs[j].astype("timedelta64[s]") + day0_sec)
    return row


def _write_transactions(
    out: Path,
    fmt: str,
    seed: int,
    orgs: dict[str, OrgCustomers],
    history_days: int,
    day0_sec: np.datetime64,
    bad: BadRows | None,
) -> int:
    """Write the transactions table, organisation by organisation in chunks of customers (with
    --bad: occurred_at as text, and the bad rows, built here from a sample event per
    organisation, at the end); returns its number of rows."""
    text_ts = bad is not None
    txn_schema = TXN_SCHEMA_TEXT if text_ts else TXN_SCHEMA_TS
    tw = TableWriter(out / f"transactions.{fmt}", txn_schema, fmt)
    counter = 0
    samples: dict[str, dict] = {}
    for i, (_oid, _name, otype) in enumerate(ORGANIZATIONS):
        c = orgs[otype]
        n_chunks = (c.n + CHUNK_CUSTOMERS - 1) // CHUNK_CUSTOMERS
        for k in range(n_chunks):
            start, end = k * CHUNK_CUSTOMERS, min(c.n, (k + 1) * CHUNK_CUSTOMERS)
            rng, trait_rng = child_rng(seed, i, 10 + k), child_rng(seed, i, 10 + k, 1)
            ev = events_for_chunk(c, start, end, rng, float(history_days), trait_rng)
            tbl = transactions_table(c, ev, counter, day0_sec, text_ts)
            counter += tbl.num_rows
            if k == 0 and tbl.num_rows:
                samples[otype] = _duplicate_sample(tbl, ev[2], day0_sec)
            tw.write(tbl)
            print(f"  {otype}: customers {end}/{c.n}, transactions so far {tw.rows}", flush=True)
    if bad:
        build_bad_rows(bad, orgs, samples)
        tw.write(rows_to_table(bad.rows["transactions"], txn_schema))
    tw.close()
    return tw.rows


def _organizations_table(bad: BadRows | None) -> pa.Table:
    """The organizations table; with --bad, org types and an id that need trimming (and
    normalising), noted in the manifest, and the bad organisations."""
    org_schema = pa.schema([("organization_id", pa.string()), ("name", pa.string()), ("org_type", pa.string())])
    org_rows = [{"organization_id": oid, "name": name, "org_type": otype} for oid, name, otype in ORGANIZATIONS]
    if not bad:
        return rows_to_table(org_rows, org_schema)
    for r, typ in zip(org_rows, (" Banking ", " Telecom", "ECOMMERCE")):
        r["org_type"] = typ
        bad.note(
            "organizations",
            "org_type_needs_normalization",
            "valid",
            "trimmed, lower-cased",
            {"organization_id": r["organization_id"], "org_type": typ},
            r["organization_id"],
        )
    org_rows[0]["organization_id"] = f" {org_rows[0]['organization_id']}  "
    bad.note(
        "organizations",
        "padded_organization_id",
        "valid",
        "trimmed",
        {"organization_id": ORGANIZATIONS[0][0]},
        ORGANIZATIONS[0][0],
    )
    return rows_to_table(org_rows + bad.rows["organizations"], org_schema)


def _write_with_bad_rows(out: Path, name: str, tables: list[pa.Table], fmt: str, bad: BadRows | None) -> int:
    """Write a raw table made of these tables (with --bad, its bad rows appended); returns its
    number of rows."""
    if bad:
        tables = tables + [rows_to_table(bad.rows[name], tables[0].schema)]
    return write_table(out, name, pa.concat_tables(tables), fmt)


def _write_upload(path: Path, seed: int, orgs: dict[str, OrgCustomers], bad: BadRows | None) -> int:
    """Write the telecom organisation's uploaded churn CSV (customer_id,churn_score; with --bad,
    its bad rows too); returns its number of rows."""
    tel_index = [t for _, _, t in ORGANIZATIONS].index("telecom")
    up = upload_rows(orgs["telecom"], seed, tel_index)
    if bad:
        up = apply_bad_upload(bad, up, orgs["telecom"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        f.write("customer_id,churn_score\n")
        f.writelines(f"{cid},{score}\n" for cid, score in up)
    return len(up)


def _write_manifest(path: Path, args: argparse.Namespace, end: np.datetime64, bad: BadRows) -> int:
    """Write bad_rows_manifest.json (the run's settings and every bad or odd row); returns its
    number of rows."""
    manifest = {
        "seed": args.seed,
        "customers_per_org": args.customers,
        "end_date": str(end),
        "occurred_at_is_text": True,
        "rows": bad.manifest,
    }
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return len(bad.manifest)


def _print_summary(args: argparse.Namespace, counts: dict[str, int], seconds: float, out: Path, upload: Path) -> None:
    """Print the rows written per table, the events per customer-year and the time taken."""
    print("summary:")
    for k, v in counts.items():
        print(f"  {k:<26} {v:>12,}")
    per_cust = counts["transactions"] / (args.customers * len(ORGANIZATIONS)) / (args.history_days / 365.0)
    print(f"  events per customer-year   {per_cust:>12.1f}")
    print(f"  seconds                    {seconds:>12.2f}")
    print(f"wrote {out}/*.{args.format} and {upload}")


def main(argv=None) -> int:
    """Generate the raw tables, the upload CSV and (with --bad) the manifest; print a summary."""
    args = parse_args(argv)
    started = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fmt = args.format
    _remove_stale_files(out, fmt, args.bad)
    end = np.datetime64(args.end_date, "D")
    history_days = args.history_days
    day0_sec = (end - np.timedelta64(history_days - 1, "D")).astype("datetime64[s]")
    print(
        f"generating {args.customers} customers x {len(ORGANIZATIONS)} organisations, seed {args.seed}, "
        f"{history_days} days up to {end} -> {out} ({fmt})",
        flush=True,
    )
    orgs: dict[str, OrgCustomers] = {}
    for i, (oid, _name, otype) in enumerate(ORGANIZATIONS):
        orgs[otype] = make_customers(i, oid, otype, args.customers, args.seed, history_days)
    bad = BadRows(args.seed, end) if args.bad else None

    counts = {"transactions": _write_transactions(out, fmt, args.seed, orgs, history_days, day0_sec, bad)}
    counts["organizations"] = write_table(out, "organizations", _organizations_table(bad), fmt)
    cust_tables = [customers_table(orgs[t], end, history_days) for _, _, t in ORGANIZATIONS]
    counts["customers"] = _write_with_bad_rows(out, "customers", cust_tables, fmt, bad)
    pred_tables = [
        churn_predictions_table(orgs[t], args.seed, i, end, history_days)
        for i, (_, _, t) in enumerate(ORGANIZATIONS)
        if t in PREDICTION_BAND_SHARES
    ]
    counts["churn_predictions"] = _write_with_bad_rows(out, "churn_predictions", pred_tables, fmt, bad)
    upload = Path(args.upload)
    counts["upload rows"] = _write_upload(upload, args.seed, orgs, bad)
    if bad:
        counts["bad/odd rows (manifest)"] = _write_manifest(out / "bad_rows_manifest.json", args, end, bad)
    _print_summary(args, counts, time.perf_counter() - started, out, upload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
