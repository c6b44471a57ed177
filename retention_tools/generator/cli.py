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


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fmt = args.format
    other = "csv" if fmt == "parquet" else "parquet"
    for name in ("organizations", "customers", "transactions", "churn_predictions"):
        stale = out / f"{name}.{other}"
        if stale.exists():  # the dbt reader would pick the wrong file otherwise
            print(f"removing stale {stale}")
            stale.unlink()
    manifest_path = out / "bad_rows_manifest.json"
    if manifest_path.exists() and not args.bad:
        manifest_path.unlink()

    end = np.datetime64(args.end_date, "D")
    H = args.history_days
    day0_sec = (end - np.timedelta64(H - 1, "D")).astype("datetime64[s]")
    print(
        f"generating {args.customers} customers x {len(ORGANIZATIONS)} organisations, seed {args.seed}, "
        f"{H} days up to {end} -> {out} ({fmt})",
        flush=True,
    )

    orgs: dict[str, OrgCustomers] = {}
    for i, (oid, _name, otype) in enumerate(ORGANIZATIONS):
        orgs[otype] = make_customers(i, oid, otype, args.customers, args.seed, H)

    counts: dict[str, int] = {}
    text_ts = args.bad
    txn_schema = TXN_SCHEMA_TEXT if text_ts else TXN_SCHEMA_TS
    tw = TableWriter(out / f"transactions.{fmt}", txn_schema, fmt)
    counter = 0
    samples: dict[str, dict] = {}
    for i, (_oid, _name, otype) in enumerate(ORGANIZATIONS):
        c = orgs[otype]
        n_chunks = (c.n + CHUNK_CUSTOMERS - 1) // CHUNK_CUSTOMERS
        for k in range(n_chunks):
            lo, hi = k * CHUNK_CUSTOMERS, min(c.n, (k + 1) * CHUNK_CUSTOMERS)
            ev = events_for_chunk(
                c, lo, hi, child_rng(args.seed, i, 10 + k), float(H), child_rng(args.seed, i, 10 + k, 1)
            )
            tbl = transactions_table(c, ev, counter, day0_sec, text_ts)
            counter += tbl.num_rows
            if k == 0 and tbl.num_rows:
                # an event not on the last day, to copy as a duplicate id with --bad
                j = min(tbl.num_rows // 2, tbl.num_rows - 1)
                row = tbl.slice(j, 1).to_pylist()[0]
                row["occurred_at"] = str(ev[2][j].astype("timedelta64[s]") + day0_sec)
                samples[otype] = row
            tw.write(tbl)
            print(f"  {otype}: customers {hi}/{c.n}, transactions so far {tw.rows}", flush=True)

    bad = BadRows(args.seed, end) if args.bad else None
    if bad:
        build_bad_rows(bad, orgs, samples)
        tw.write(rows_to_table(bad.rows["transactions"], txn_schema))
    tw.close()
    counts["transactions"] = tw.rows

    org_rows = [{"organization_id": oid, "name": name, "org_type": otype} for oid, name, otype in ORGANIZATIONS]
    if bad:
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
        org_rows += bad.rows["organizations"]
    org_schema = pa.schema([("organization_id", pa.string()), ("name", pa.string()), ("org_type", pa.string())])
    counts["organizations"] = write_table(out, "organizations", rows_to_table(org_rows, org_schema), fmt)

    cust_tables = [customers_table(orgs[t], end, H) for _, _, t in ORGANIZATIONS]
    if bad:
        cust_tables.append(rows_to_table(bad.rows["customers"], cust_tables[0].schema))
    counts["customers"] = write_table(out, "customers", pa.concat_tables(cust_tables), fmt)

    pred_tables = [
        churn_predictions_table(orgs[t], args.seed, i, end, H)
        for i, (_, _, t) in enumerate(ORGANIZATIONS)
        if t in PREDICTION_BAND_SHARES
    ]
    if bad:
        pred_tables.append(rows_to_table(bad.rows["churn_predictions"], pred_tables[0].schema))
    counts["churn_predictions"] = write_table(out, "churn_predictions", pa.concat_tables(pred_tables), fmt)

    tel_index = [t for _, _, t in ORGANIZATIONS].index("telecom")
    up = upload_rows(orgs["telecom"], args.seed, tel_index)
    if bad:
        up = apply_bad_upload(bad, up, orgs["telecom"])
    upload = Path(args.upload)
    upload.parent.mkdir(parents=True, exist_ok=True)
    with open(upload, "w", newline="") as f:
        f.write("customer_id,churn_score\n")
        f.writelines(f"{cid},{score}\n" for cid, score in up)
    counts["upload rows"] = len(up)

    if bad:
        manifest = {
            "seed": args.seed,
            "customers_per_org": args.customers,
            "end_date": str(end),
            "occurred_at_is_text": True,
            "rows": bad.manifest,
        }
        manifest_path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        counts["bad/odd rows (manifest)"] = len(bad.manifest)

    secs = time.perf_counter() - started
    print("summary:")
    for k, v in counts.items():
        print(f"  {k:<26} {v:>12,}")
    per_cust = counts["transactions"] / (args.customers * len(ORGANIZATIONS)) / (H / 365.0)
    print(f"  events per customer-year   {per_cust:>12.1f}")
    print(f"  seconds                    {secs:>12.2f}")
    print(f"wrote {out}/*.{fmt} and {upload}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
