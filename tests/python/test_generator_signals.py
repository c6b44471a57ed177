"""The personas and behaviour traits make every risk signal of rules section 7 fire for
0.5-60% of each organisation's analysed customers, checked with a small independent
implementation of the signals (itself checked on hand-made events)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from generator_data import ORG_IDS, with_org_type

# ------------------------------------------------------------------------------------------
# behaviour: an independent implementation of the risk signals of rules section 7
# ------------------------------------------------------------------------------------------

RISK_SIGNALS = {
    "banking": [
        "login_frequency_decline",
        "transaction_volume_drop",
        "feature_abandonment",
        "balance_checking_without_action",
        "single_product_usage",
        "support_contact_spike",
    ],
    "telecom": [
        "data_usage_decline",
        "communication_pattern_change",
        "plan_underutilization",
        "billing_complaints",
        "frequent_roaming",
        "payment_delays",
    ],
    "ecommerce": [
        "high_cart_abandonment",
        "category_shift",
        "discount_dependency",
        "basket_size_decline",
        "low_browse_to_buy",
        "high_return_rate",
    ],
}


def _risk_signals(out: Path) -> pd.DataFrame:
    """docs/rules.md section 7 in pandas (valid input only): one row per analysed customer (at least one
    event before as_of_date), its org_type and a boolean column per risk signal (False for the
    signals of other industries). Ratios in double precision, exactly as the rules write them."""
    cust, tx = with_org_type(out)
    as_of = tx.occurred_at.max().normalize() + pd.Timedelta(days=1)
    tx = tx[tx.occurred_at < as_of]
    c = cust[cust.customer_id.isin(tx.customer_id)].set_index("customer_id")
    tx["window"] = np.select(
        [tx.occurred_at >= as_of - pd.Timedelta(days=30), tx.occurred_at >= as_of - pd.Timedelta(days=60)],
        ["last", "prev"],
        "",
    )
    w = tx[tx.window != ""]

    def events(ttype, window=None):
        d = w[w.transaction_type == ttype]
        return d if window is None else d[d.window == window]

    def per_customer(grouped, fill=0.0):
        return grouped.reindex(c.index).fillna(fill).astype(float)

    def count(ttype, window=None):
        return per_customer(events(ttype, window).groupby("customer_id").size())

    s = {}
    # banking
    login_last, login_prev = count("login", "last"), count("login", "prev")
    s["login_frequency_decline"] = (login_prev >= 4) & (login_last <= 0.5 * login_prev)
    txn_last, txn_prev = count("transaction", "last"), count("transaction", "prev")
    s["transaction_volume_drop"] = (txn_prev >= 3) & (txn_last <= 0.5 * txn_prev)
    feat_last = per_customer(events("feature_use", "last").groupby("customer_id").category.nunique())
    feat_prev = per_customer(events("feature_use", "prev").groupby("customer_id").category.nunique())
    s["feature_abandonment"] = (feat_prev >= 2) & (feat_last <= 0.5 * feat_prev)
    checks = count("balance_check", "last")
    s["balance_checking_without_action"] = (checks >= 5) & (txn_last <= 0.2 * checks)
    products = per_customer(events("transaction").groupby("customer_id").category.nunique())
    s["single_product_usage"] = (txn_last + txn_prev >= 1) & (products == 1)
    support_last, support_prev = count("support_contact", "last"), count("support_contact", "prev")
    s["support_contact_spike"] = (support_last >= 3) & (support_last >= 2 * support_prev)
    # telecom
    mb_last = per_customer(events("data_usage", "last").groupby("customer_id").quantity.sum())
    mb_prev = per_customer(events("data_usage", "prev").groupby("customer_id").quantity.sum())
    s["data_usage_decline"] = (mb_prev > 0) & (mb_last < 0.7 * mb_prev)
    calls_last, calls_prev = count("call", "last"), count("call", "prev")
    comm_last, comm_prev = calls_last + count("sms", "last"), calls_prev + count("sms", "prev")
    with np.errstate(divide="ignore", invalid="ignore"):
        share_change = (calls_last / comm_last - calls_prev / comm_prev).abs()
    s["communication_pattern_change"] = (comm_prev >= 10) & (
        (comm_last <= 0.5 * comm_prev) | ((share_change >= 0.3) & (comm_last >= 10))
    )
    plan = c.plan_allowance_mb.astype(float)
    s["plan_underutilization"] = (plan > 0) & (100 * mb_last / plan < 30)
    support = events("support_contact", "last")
    s["billing_complaints"] = per_customer(support[support.category == "billing"].groupby("customer_id").size()) >= 1
    s["frequent_roaming"] = count("roaming", "last") >= 5
    s["payment_delays"] = per_customer(events("bill_payment").groupby("customer_id").quantity.max(), -1.0) >= 15
    # ecommerce
    buys_last, buys_prev = count("purchase", "last"), count("purchase", "prev")
    buys = buys_last + buys_prev
    carts = count("cart", "last")
    with np.errstate(divide="ignore", invalid="ignore"):
        s["high_cart_abandonment"] = (carts >= 3) & (1 - np.minimum(buys_last, carts) / carts >= 0.7)
        # category shift, in integers: sum_k |n_last,k * N_prev - n_prev,k * N_last| >= N_last * N_prev
        bought = events("purchase").dropna(subset=["category"])
        n = bought.groupby(["customer_id", "category", "window"]).size().unstack("window", fill_value=0)
        n = n.reindex(columns=["last", "prev"], fill_value=0).astype(np.int64)
        totals = n.groupby(level="customer_id").sum()
        big_n = totals.reindex(n.index.get_level_values("customer_id"))
        distance = n["last"].to_numpy() * big_n["prev"].to_numpy() - n["prev"].to_numpy() * big_n["last"].to_numpy()
        distance = pd.Series(np.abs(distance), index=n.index).groupby(level="customer_id").sum()
        shifted = distance >= totals["last"] * totals["prev"]
        s["category_shift"] = (buys_prev >= 2) & (buys_last >= 2) & shifted.reindex(c.index, fill_value=False)
        discounted = per_customer(
            events("purchase").assign(d=lambda d: d.discount_amount > 0).groupby("customer_id").d.sum()
        )
        s["discount_dependency"] = (buys >= 4) & (discounted / buys >= 0.8)
        value_last = per_customer(events("purchase", "last").groupby("customer_id").amount.sum())
        value_prev = per_customer(events("purchase", "prev").groupby("customer_id").amount.sum())
        s["basket_size_decline"] = (
            (buys_prev >= 2) & (buys_last >= 1) & (value_last / buys_last <= 0.7 * (value_prev / buys_prev))
        )
        views = count("view", "last")
        s["low_browse_to_buy"] = (views >= 20) & (buys_last / views < 0.02)
        returns = count("return")
        s["high_return_rate"] = (buys >= 3) & (returns / buys >= 0.3)
    fired = pd.DataFrame(s).fillna(False).astype(bool)
    for org_type, signals in RISK_SIGNALS.items():  # a signal belongs to its industry only
        fired.loc[c.org_type != org_type, signals] = False
    fired.insert(0, "org_type", c.org_type)
    return fired


def test_risk_signal_rules_on_hand_made_events(tmp_path):
    """The test's own implementation of section 7 on a few hand-made customers (boundaries
    included), so that the firing rates below measure the generator, not a slip in the test."""
    org = ORG_IDS["ecommerce"]
    day = pd.Timestamp("2026-10-31 12:00")  # as_of_date = 2026-11-01; last window from 2026-10-02

    def at(days_ago):
        return day - pd.Timedelta(days=days_ago)

    orgs = pd.DataFrame({"organization_id": list(ORG_IDS.values()), "name": list(ORG_IDS), "org_type": list(ORG_IDS)})
    cust = pd.DataFrame(
        {
            "customer_id": ["b1", "b2", "t1", "t2", "e1", "e2", "e3"],
            "organization_id": [ORG_IDS["banking"]] * 2 + [ORG_IDS["telecom"]] * 2 + [org] * 3,
            "external_id": ["X1", "X2", "X1", "X2", "X1", "X2", "X3"],
            "signup_date": pd.NaT,
            "plan_allowance_mb": [None, None, 1000.0, 1000.0, None, None, None],
        }
    )
    rows = []

    def ev(cid, ttype, days_ago, amount=None, quantity=None, category=None, discount=None):
        rows.append(
            {
                "transaction_id": f"T{len(rows)}",
                "customer_id": cid,
                "occurred_at": at(days_ago),
                "transaction_type": ttype,
                "amount": amount,
                "quantity": quantity,
                "category": category,
                "discount_amount": discount,
            }
        )

    # b1: logins 4 -> 2 (exactly half: fires), transactions 3 -> 2 (no), one product (fires)
    for d in (31, 32, 33, 34):
        ev("b1", "login", d)
    for d in (1, 2):
        ev("b1", "login", d)
    for d in (35, 36, 37, 3, 4):
        ev("b1", "transaction", d, amount=10.0, category="checking")
    # b2: 5 balance checks and 1 transaction last (1 <= 0.2 * 5: fires), 3 support contacts vs 2 (no)
    for d in (1, 2, 3, 4, 5):
        ev("b2", "balance_check", d)
    ev("b2", "transaction", 6, amount=5.0, category="savings")
    ev("b2", "transaction", 40, amount=5.0, category="loan")
    for d in (7, 8, 9):
        ev("b2", "support_contact", d, category="fees")
    for d in (40, 41):
        ev("b2", "support_contact", d, category="fees")
    # t1: data 1000 -> 290 MB (fires, 29% of the plan), calls 10 -> sms 10 (share change 1.0), billing
    ev("t1", "data_usage", 40, quantity=1000.0)
    ev("t1", "data_usage", 5, quantity=290.0)
    for d in range(31, 41):
        ev("t1", "call", d, quantity=2.0)
    for d in range(1, 11):
        ev("t1", "sms", d)
    ev("t1", "support_contact", 3, category="billing")
    ev("t1", "bill_payment", 50, amount=30.0, quantity=15.0)
    # t2: data 1000 -> 700 MB (exactly 0.7: no), 70% of the plan (no), 5 roaming events, 14 days late
    ev("t2", "data_usage", 40, quantity=1000.0)
    ev("t2", "data_usage", 5, quantity=700.0)
    for d in range(1, 6):
        ev("t2", "roaming", d, quantity=10.0)
    ev("t2", "bill_payment", 20, amount=30.0, quantity=14.0)
    ev("t2", "support_contact", 3, category="network")
    # e1: 7 carts and 2 purchases last (1 - 2/7 >= 0.7: fires); purchases 2 (books) -> 2 (toys):
    # shift 1.0 (fires); all 4 discounted (fires); basket 100 -> 70 (exactly 0.7: fires); 1
    # return of 4 (no)
    for d in range(1, 8):
        ev("e1", "cart", d, category="toys")
    for d in (40, 41):
        ev("e1", "purchase", d, amount=100.0, quantity=1.0, category="books", discount=5.0)
    ev("e1", "return", 50, amount=10.0, category="books")
    for d in (4, 5):
        ev("e1", "purchase", d, amount=70.0, quantity=1.0, category="toys", discount=1.0)
    # e2: 50 views and 1 purchase last (exactly 0.02: no); purchases 1 + 2 (books, books / books):
    # no shift; 1 return of 3 (fires: 0.33)
    for d in range(50):
        ev("e2", "view", d % 29 + 1, category="books")
    ev("e2", "purchase", 2, amount=10.0, quantity=1.0, category="books")
    for d in (35, 36):
        ev("e2", "purchase", d, amount=10.0, quantity=1.0, category="books")
    ev("e2", "return", 3, amount=10.0, category="books")
    # e3: 20 views, no purchase (fires)
    for d in range(20):
        ev("e3", "view", d + 1, category="home")
    tx = pd.DataFrame(rows)
    out = tmp_path / "hand"
    out.mkdir()
    orgs.to_parquet(out / "organizations.parquet")
    cust.to_parquet(out / "customers.parquet")
    tx.to_parquet(out / "transactions.parquet")
    fired = _risk_signals(out)
    got = {cid: sorted(fired.columns[1:][fired.loc[cid].iloc[1:].to_numpy(dtype=bool)]) for cid in fired.index}
    assert got == {
        "b1": ["login_frequency_decline", "single_product_usage"],
        "b2": ["balance_checking_without_action"],
        "t1": [
            "billing_complaints",
            "communication_pattern_change",
            "data_usage_decline",
            "payment_delays",
            "plan_underutilization",
        ],
        "t2": ["frequent_roaming"],
        "e1": ["basket_size_decline", "category_shift", "discount_dependency", "high_cart_abandonment"],
        "e2": ["high_return_rate"],
        "e3": ["low_browse_to_buy"],
    }, got


@pytest.fixture(scope="module")
def signals_run(run_2000):
    return _risk_signals(run_2000)


@pytest.mark.parametrize("org_type", list(RISK_SIGNALS))
def test_every_risk_signal_fires(signals_run, org_type):
    """Every risk signal of the industry fires for 0.5-60% of the organisation's analysed
    customers (customers with at least one event), from behaviour, not from planted flags."""
    fired = signals_run[signals_run.org_type == org_type]
    assert len(fired) >= 0.98 * 2000
    share = 100 * fired[RISK_SIGNALS[org_type]].mean()
    assert share.between(0.5, 60).all(), share.round(2).to_dict()
