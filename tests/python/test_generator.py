"""The generator's interface (files, columns, formats, determinism, options) and content
(event types per industry, churn predictions, the upload's churn bands, scores that fit the
behaviour, every segment in the default mix), run as a subprocess on small sizes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from generator_data import (
    COLUMNS,
    END,
    ORG_IDS,
    SCRIPT,
    SEGMENTS,
    TABLES,
    TYPES,
    VALUE_TYPES,
    generate,
    read,
    read_upload,
    with_org_type,
)

# ------------------------------------------------------------------------------------------
# interface
# ------------------------------------------------------------------------------------------


def test_help():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    for option in ("--customers", "--seed", "--out", "--upload", "--bad", "--format", "--end-date", "--history-days"):
        assert option in proc.stdout


def test_files_and_columns(default_run):
    out, upload = default_run
    for table in TABLES:
        assert (out / f"{table}.parquet").exists(), table
        schema = pq.read_schema(out / f"{table}.parquet")
        assert schema.names == COLUMNS[table], table
        for name in schema.names:
            if name.endswith("_id"):
                assert str(schema.field(name).type) == "string", name
    tx_schema = pq.read_schema(out / "transactions.parquet")
    assert str(tx_schema.field("occurred_at").type).startswith("timestamp")  # real timestamps without --bad
    assert str(pq.read_schema(out / "customers.parquet").field("signup_date").type) == "date32[day]"
    assert not (out / "bad_rows_manifest.json").exists()
    assert upload.read_text().splitlines()[0] == "customer_id,churn_score"

    orgs = read(out, "organizations")
    assert dict(zip(orgs.org_type, orgs.organization_id)) == ORG_IDS
    cust = read(out, "customers")
    assert len(cust) == 900 and cust.customer_id.is_unique
    assert cust.customer_id.str.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}").all()
    assert cust.groupby("organization_id").size().eq(300).all()
    assert 0 < cust.signup_date.isna().sum() < 0.1 * len(cust)
    telecom = cust.organization_id == ORG_IDS["telecom"]
    assert cust.loc[telecom, "plan_allowance_mb"].notna().all()
    assert cust.loc[telecom, "plan_allowance_mb"].nunique() >= 3
    assert cust.loc[~telecom, "plan_allowance_mb"].isna().all()


def test_external_ids_overlap_across_orgs(default_run):
    cust = read(default_run[0], "customers")
    per_org = [set(g.external_id) for _, g in cust.groupby("organization_id")]
    assert len(per_org) == 3 and per_org[0] == per_org[1] == per_org[2]
    assert "CUST_00001" in per_org[0] and "CUST_00300" in per_org[0]
    assert not cust.duplicated(["organization_id", "external_id"]).any()


def test_determinism(tmp_path):
    a = generate(tmp_path / "a", seed=7, customers=120)
    b = generate(tmp_path / "b", seed=7, customers=120)
    c = generate(tmp_path / "c", seed=8, customers=120)
    for table in TABLES:
        ta, tb, tc = (pq.read_table(run[0] / f"{table}.parquet") for run in (a, b, c))
        assert ta.equals(tb), table
        if table != "organizations":
            assert not ta.equals(tc), table
    assert a[1].read_bytes() == b[1].read_bytes()
    assert a[1].read_bytes() != c[1].read_bytes()


def test_csv_format_matches_parquet(tmp_path, default_run):
    out, upload = generate(tmp_path / "csv", "--format", "csv")
    (out / "transactions.parquet").write_bytes(b"stale")  # a stale file of the other format ...
    out, upload = generate(out, "--format", "csv")
    assert not (out / "transactions.parquet").exists()  # ... is removed
    for table in TABLES:
        path = out / f"{table}.csv"
        assert path.exists()
        assert path.read_text().splitlines()[0].replace('"', "").split(",") == COLUMNS[table]
        csv = read(out, table)
        ref = read(default_run[0], table)
        assert len(csv) == len(ref), table
        assert list(csv.columns) == COLUMNS[table]
    tx_csv, tx_pq = read(out, "transactions"), read(default_run[0], "transactions")
    assert (tx_csv.transaction_id == tx_pq.transaction_id).all()
    assert (pd.to_datetime(tx_csv.occurred_at) == tx_pq.occurred_at).all()
    assert np.allclose(pd.to_numeric(tx_csv.amount).fillna(-1), tx_pq.amount.fillna(-1))
    assert tx_csv.occurred_at.str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert upload.read_bytes() == default_run[1].read_bytes()


def test_end_date_and_history_options(tmp_path):
    out, _ = generate(tmp_path / "short", "--end-date", "2025-06-30", "--history-days", "90", customers=100)
    tx = read(out, "transactions")
    assert tx.occurred_at.max().date().isoformat() == "2025-06-30"
    assert tx.occurred_at.min() >= pd.Timestamp("2025-04-02")


# ------------------------------------------------------------------------------------------
# content
# ------------------------------------------------------------------------------------------


def test_events_follow_the_industry_semantics(default_run):
    cust, tx = with_org_type(default_run[0])
    assert tx.org_type.notna().all(), "every event belongs to a generated customer"
    assert tx.transaction_id.is_unique
    for org_type, types in TYPES.items():
        seen = set(tx.loc[tx.org_type == org_type, "transaction_type"])
        assert seen == types, org_type  # only its own types, and all of them
    # time range: within the history, the last event on the end date
    assert tx.occurred_at.min() >= END - pd.Timedelta(days=539)
    assert tx.occurred_at.max().normalize() == END
    # about 100 events per customer and year overall
    per_year = len(tx) / len(cust) / (540 / 365)
    assert 60 <= per_year <= 140, per_year
    num = tx[["amount", "quantity", "discount_amount"]]
    assert (num.fillna(0) >= 0).all().all()
    value = tx[[t in VALUE_TYPES[o] for t, o in zip(tx.transaction_type, tx.org_type)]]
    assert value.amount.notna().all() and (value.amount > 0).all()

    def of(org_type, ttype):
        return tx[(tx.org_type == org_type) & (tx.transaction_type == ttype)]

    bank_tx = of("banking", "transaction")
    assert {"checking", "savings", "credit_card", "loan", "mortgage", "investment"} <= set(bank_tx.category)
    assert of("banking", "feature_use").category.notna().all()
    assert of("banking", "support_contact").category.notna().all()
    assert of("banking", "login").amount.isna().all()
    assert (of("telecom", "data_usage").quantity > 0).all()
    assert (of("telecom", "call").quantity > 0).all()
    bills = of("telecom", "bill_payment")
    assert bills.quantity.notna().all() and (bills.quantity == 0).mean() > 0.5 and bills.quantity.max() > 0
    assert (of("telecom", "support_contact").category == "billing").any()
    purchases = of("ecommerce", "purchase")
    assert (purchases.quantity >= 1).all() and purchases.category.notna().all()
    assert 0 < purchases.discount_amount.notna().mean() < 1
    assert (purchases.discount_amount.dropna() < purchases.loc[purchases.discount_amount.notna(), "amount"]).all()
    assert of("ecommerce", "return").amount.notna().all()


def test_churn_predictions(default_run):
    cust = read(default_run[0], "customers")
    pred = read(default_run[0], "churn_predictions")
    assert pred.churn_probability.between(0, 1).all() and pred.predicted_at.notna().all()
    assert pred.predicted_at.max() <= END + pd.Timedelta(days=1)
    scored = cust.customer_id.isin(pred.customer_id)
    has_predictions = cust.organization_id.isin([ORG_IDS["banking"], ORG_IDS["ecommerce"]])
    assert (scored == has_predictions).all()  # every banking/ecommerce customer, no telecom one
    counts = pred.groupby("customer_id").size()
    assert counts.max() == 4 and (counts > 1).mean() > 0.2
    # the quarterly model run (before the backtest's calibration date) scores every customer
    # active then, and only those
    end = pd.Timestamp(END)
    quarterly = pred[pred.predicted_at.dt.normalize() == end - pd.Timedelta(days=120)]
    assert len(quarterly) == quarterly.customer_id.nunique() > 0.5 * scored.sum()
    assert not pred.predicted_at.dt.normalize().between(end - pd.Timedelta(days=119), end - pd.Timedelta(days=61)).any()


def test_upload_bands(tmp_path):
    out, upload = generate(tmp_path / "bands", customers=2000)
    up = read_upload(upload)
    cust = read(out, "customers")
    telecom = cust[cust.organization_id == ORG_IDS["telecom"]]
    assert len(up) == 2000 and up.customer_id.is_unique
    assert set(up.customer_id) == set(telecom.external_id)
    assert up.churn_score.str.fullmatch(r"[01]\.\d{4}").all()
    score = up.churn_score.astype(float)
    shares = [
        (score < 0.3).mean(),
        ((score >= 0.3) & (score < 0.5)).mean(),
        ((score >= 0.5) & (score < 0.7)).mean(),
        (score >= 0.7).mean(),
    ]
    for got, want in zip(shares, (0.41, 0.41, 0.10, 0.08)):
        assert abs(got - want) <= 0.005, shares


def test_scores_fit_behavior(default_run):
    """Customers who stopped buying long ago score high, recent frequent buyers low."""
    out, upload = default_run
    cust, tx = with_org_type(out)
    up = read_upload(upload).assign(score=lambda d: d.churn_score.astype(float))
    telecom = cust[cust.org_type == "telecom"].merge(
        up, left_on="external_id", right_on="customer_id", suffixes=("", "_up")
    )
    value = tx[[t in VALUE_TYPES[o] for t, o in zip(tx.transaction_type, tx.org_type)]]
    last = value.groupby("customer_id").occurred_at.max()
    recent = value[value.occurred_at > END - pd.Timedelta(days=90)].groupby("customer_id").size()
    telecom["days"] = (END - telecom.customer_id.map(last).dt.normalize()).dt.days.fillna(999)
    telecom["recent"] = telecom.customer_id.map(recent).fillna(0)
    gone = telecom[telecom.days > 60]
    active = telecom[(telecom.days < 15) & (telecom.recent >= telecom.recent.quantile(0.7))]
    assert len(gone) > 20 and len(active) > 20
    assert active.score.mean() < 0.3 and gone.score.mean() > active.score.mean() + 0.15, (
        active.score.mean(),
        gone.score.mean(),
    )
    # the Critical band is made of customers who stopped, the Low band of current ones
    assert telecom[telecom.score >= 0.7].days.median() > 60 > telecom[telecom.score < 0.3].days.median()
    # some customers have no value event in the last 365 days, some signed up < 30 days ago
    assert (telecom.days > 365).any()
    assert (pd.to_datetime(cust.signup_date) > END - pd.Timedelta(days=30)).any()


def _segments(out: Path, upload: Path) -> pd.DataFrame:
    """docs/rules.md sections 4-6 in pandas (valid input only): per organisation, share of each segment."""
    cust, tx = with_org_type(out)
    as_of = tx.occurred_at.max().normalize() + pd.Timedelta(days=1)
    tx["day"] = tx.occurred_at.dt.normalize()
    tx = tx[tx.day >= as_of - pd.Timedelta(days=365)]
    value = tx[[t in VALUE_TYPES[o] for t, o in zip(tx.transaction_type, tx.org_type)]]
    g = value.groupby("customer_id")
    c = cust.set_index("customer_id")
    c["recency"] = (as_of - g.day.max()).dt.days
    c["frequency"] = g.size()
    c["monetary"] = g.amount.sum().round(2)
    c["engagement"] = tx.groupby("customer_id").day.nunique()
    c[["frequency", "monetary", "engagement"]] = c[["frequency", "monetary", "engagement"]].fillna(0)
    first = pd.concat([pd.to_datetime(c.signup_date), g.day.min()], axis=1).min(axis=1)
    c["tenure"] = (as_of - first).dt.days
    c["neg_recency"] = -c.recency.fillna(10**9)
    for col, key in (("R", "neg_recency"), ("F", "frequency"), ("M", "monetary"), ("E", "engagement")):
        grp = c.groupby("organization_id")[key]
        lo, hi, n = grp.rank(method="min"), grp.rank(method="max"), grp.transform("size")
        score = np.floor(100 * ((lo - 1) + 0.5 * (hi - lo)) / (n - 1) * 100 + 0.5) / 100
        c[col] = np.where(score > 70, "High", np.where(score >= 30, "Medium", "Low"))
    pred = read(out, "churn_predictions").sort_values(["predicted_at", "churn_probability"])
    c["p"] = pred.groupby("customer_id").churn_probability.last()
    up = read_upload(upload)
    ext = c[c.org_type == "telecom"].reset_index().set_index("external_id").customer_id
    c.loc[up.customer_id.map(ext).values, "p"] = up.churn_score.astype(float).values
    c["C"] = np.select([c.p < 0.3, c.p < 0.5, c.p < 0.7], ["Low", "Medium", "High"], "Critical")
    R, F, M, E, C = (c[k] for k in "RFMEC")
    fhm = F.isin(["High", "Medium"])
    rules = [
        ("Cannot Lose Them", (M == "High") & fhm & ((R == "Low") | (C == "Critical"))),
        ("At Risk", fhm & ((R == "Low") | C.isin(["High", "Critical"]))),
        ("Lost", (R == "Low") & (F == "Low") & C.isin(["High", "Critical"])),
        ("Hibernating", R == "Low"),
        ("Champions", (R == "High") & (F == "High") & M.isin(["High", "Medium"]) & (C == "Low")),
        ("Loyal Customers", F == "High"),
        ("New Customers", (R == "High") & (F == "Low") & (c.tenure <= 30)),
        ("Potential Loyalists", (F == "Medium") & ((R == "High") | (E == "High"))),
        ("Promising", R == "High"),
        ("Need Attention", F == "Medium"),
    ]
    c["segment"] = np.select([r for _, r in rules], [n for n, _ in rules], "About to Sleep")
    return pd.crosstab(c.segment, c.org_type, normalize="columns").reindex(SEGMENTS).fillna(0) * 100


def test_segment_mix(tmp_path):
    """The default demo data (seed 42, 10,000 customers per organisation, the data of
    scripts/demo.sh) yields every segment in every organisation, with Champions 10-15%, At Risk
    8-12% and Lost 5-7%: the bands the generator promises (its docstring gives where the demo
    lands inside them). The default size, because the bands are the demo's: at a few thousand
    customers sampling noise alone moves At Risk by about half a point. Customers are acquired
    all along: every acquisition cohort (month of the first value event) after the first month
    of the history has 150 customers or more, and the first one (the existing base) is the
    biggest."""
    out, upload = generate(tmp_path / "mix", customers=10000)
    dist = _segments(out, upload)
    assert (dist > 0.5).all().all(), dist
    assert dist.loc["Champions"].between(10, 15).all(), dist
    assert dist.loc["At Risk"].between(8, 12).all(), dist
    assert dist.loc["Lost"].between(5, 7).all(), dist
    _, tx = with_org_type(out)
    value = tx[[t in VALUE_TYPES[o] for t, o in zip(tx.transaction_type, tx.org_type)]]
    first = value.groupby(["org_type", "customer_id"]).occurred_at.min().dt.strftime("%Y-%m")
    cohorts = first.groupby(level="org_type").value_counts().unstack("org_type").sort_index()
    assert list(cohorts.index) == [str(m) for m in pd.period_range("2025-05", "2026-10", freq="M")], cohorts
    assert (cohorts.iloc[1:] >= 150).all().all(), cohorts
    assert (cohorts.iloc[0] > cohorts.iloc[1:].max()).all(), cohorts


def test_joiners_start_with_a_value_event():
    """A customer acquired during the history signs up on its join day, has no event before
    it and makes its first value event that day or the next; the joiners' join days spread over the
    history up to JOINED_BY days before the end date, more and more of them (a growing
    business)."""
    from retention_tools.generator import personas
    from retention_tools.generator.events import events_for_chunk
    from retention_tools.generator.sampling import child_rng

    H, n = 540, 3000
    for org_index, (oid, _, org_type) in enumerate(personas.ORGANIZATIONS):
        c = personas.make_customers(org_index, oid, org_type, n, 42, H)
        joined = c.attrs["joined"]
        want = sum(int(p.joined * (c.persona == i).sum() + 0.5) for i, p in enumerate(personas.PERSONAS))
        assert joined.sum() == want > 0.1 * n
        assert (c.signup[joined] == np.floor(c.t0[joined])).all()
        assert (c.t0[joined] >= 0).all() and (c.t0[joined] <= H - personas.JOINED_BY).all()
        # every month gets joiners, more and more of them (linearly: 3 times as many in the
        # second half of the join period as in the first)
        months = np.floor(c.t0[joined] / 30.4).astype(int)
        assert set(range(2, int((H - personas.JOINED_BY) / 30.4) + 1)) <= set(months), org_type
        late = (c.t0[joined] > (H - personas.JOINED_BY) / 2).sum()
        assert 2 < late / (joined.sum() - late) < 4, org_type
        tcode, ci, secs, *_ = events_for_chunk(
            c, 0, n, child_rng(42, org_index, 10), float(H), child_rng(42, org_index, 10, 1)
        )
        names = np.array(personas.INDUSTRY_TYPES[org_type])
        is_value = np.isin(names[tcode], list(VALUE_TYPES[org_type]))
        day = secs // 86400
        first_any = np.full(n, H + 1)
        np.minimum.at(first_any, ci, day)
        first_value = np.full(n, H + 1)
        np.minimum.at(first_value, ci[is_value], day[is_value])
        assert (first_any[joined] >= c.signup[joined]).all(), org_type
        assert np.isin(first_value[joined] - c.signup[joined], [0, 1]).all(), org_type
