#!/usr/bin/env python
"""Generate the synthetic raw data of the retention-analytics demo (rules sections 2 and 11).

Writes into ``--out`` (default ``data/raw``) the raw tables ``organizations``,
``customers``, ``transactions`` and ``churn_predictions`` (Parquet, or CSV with a header
with ``--format csv``), and into ``--upload`` (default
``seeds/synthetic_churn_predictions.csv``) the uploaded churn CSV ``customer_id,churn_score``
of the telecom organisation, keyed by ``external_id``.

    python scripts/generate_synthetic_data.py --customers 10000 --seed 42 \\
        --out data/raw --upload seeds/synthetic_churn_predictions.csv [--bad] [--format csv]

Three organisations with fixed ids (banking, telecom, ecommerce), ``--customers`` customers
each. The same ``external_id``s (``CUST_00001``...) are used in every organisation on
purpose: external ids are unique within an organisation only. Events span ``--history-days``
(default 540) days up to ``--end-date`` (default 2026-10-31, fixed so that the output does not
depend on the day it is run; the project's default as_of_date is then 2026-11-01), about 100
events per customer and year overall. With the defaults (3 x 10,000 customers, ~4.3M events,
a few seconds) every organisation has all 11 segments, with Champions 12.5-15%, At Risk
8.5-13.5% and Lost 7-8%, and every risk signal of its industry fires for 2.5-38% of it.

How the data is made
--------------------
Every customer gets a *persona* (exact shares, see ``PERSONAS``): champions, loyal,
potential (growing), new (signed up less than 30 days before the end date), promising,
occasional, declining (stopped paying 25-60 days before the end date), at_risk (frequent and
high value, stopped 60-180 days ago), lapsed (low frequency, stopped 200-340 days ago),
dormant (no value event in the last 365 days, a few logins/views), hibernating (very low
frequency, stopped 130-300 days ago). A persona fixes the customer's active span, its
activity level (log-normal around the persona's median), a ramp (growing customers), how
likely it is to drop out (below) and the residual rate of its other events after it stops.
Events are then drawn as Poisson processes: per customer and event type a Poisson count over
the active span (rate x span x ramp), placed in time by the ramp's inverse CDF (uniform when
flat), plus periodic events (monthly bills, loan repayments, telecom data-usage records every
7-11 days), bursts (support episodes, roaming trips) and an activation value event on the day
a customer starts within the history window. Nothing is planted to hit a segment: the segment
mix follows from the behaviour (and the churn scores, which follow the persona).

Churn: a customer who stops, stops paying. After its stop there is no value event at all
(no transaction, loan or mortgage repayment, bill, top-up or purchase); its other activity
(logins, views, calls, data usage, ...) goes on at the persona's residual rate, and some
traits (balance watchers, cart abandoners, window shoppers) keep theirs. The stop is the
persona's stop (declining, at_risk, lapsed, dormant, hibernating) or, earlier, a dropout of
the kind the project's churn models describe:

* non-contractual customers (banking; telecom prepaid; ecommerce) drop out for good right
  after a value day with probability p, p ~ Beta per persona (``Persona.dropout``): e.g.
  mean 0.0007 for champions, 0.06 for potential customers, 0.25 for occasional ones and 0.5
  for hibernating ones, so a customer makes a geometric number of value days in the window
  (counted from its first one there) and then none: the MBG/NBD (and BG/NBD) process. The
  personas that stop anyway have no dropout besides (hibernating: both).
* telecom contracts (postpaid: a bill_payment every month, the first one on the start day of
  a contract that starts inside the window, ~35% of them) are renewed each month with
  probability 1 - theta, theta ~ Beta per persona (``Persona.contract``; mean 0.001 for
  champions, 0.04 for potential customers, 0.08 for new and promising ones): after a
  geometric number of paid bills the customer churns and pays no more bills or top-ups (the
  shifted-beta-geometric process). Of the personas that stop at a fixed time only lapsed and
  dormant customers (stopped 200 days ago or more) may hold a contract; in telecom the others
  are prepaid customers, so that contract churn is (almost only) the renewal process.

With the defaults (seed 42, 10,000 customers) the project's churn models converge to interior
optima (time in days; x = repeat value days; 30-day periods for the sBG): MBG/NBD banking
r 1.34, alpha 15.5, a 0.097, b 0.59; ecommerce r 1.10, alpha 28.6, a 0.058, b 0.41; telecom
prepaid r 1.07, alpha 20.4, a 0.19, b 0.66; sBG telecom postpaid alpha 0.087, beta 4.9 (and
down to 150 customers per organisation). In a 90-day backtest model churn ranks customers
about as well as recency or better (AUC 0.89-0.97, within 0.01 of recency's or above).
27-30% of each organisation's customers have made no value event in the last 180 days (3-8%
none in the window), 33-38% none in the last 90 days.

Behaviour traits (``TRAITS``) are attached on top of the persona so that the demo exercises
every risk signal of rules section 7: within each persona exactly round(p x count) customers
get a trait, with p depending on the persona (e.g. 35% of declining bank customers are
balance watchers, 4% of the loyal ones). A trait only changes rates (extra Poisson processes,
thinning, a change of habits on a per-customer "change day" 20-50 days before the end date),
never a signal directly. Overall shares with the defaults, and the signals they drive:

* banking: balance_watcher (8.1%; ~0.25 balance checks a day, also after it stopped
  transacting: balance_checking_without_action), frustrated (6.1%; a support episode of ~5
  contacts about every 80 days, up to a month after it stops: support_contact_spike).
  login_frequency_decline, transaction_volume_drop and feature_abandonment come from the
  declining persona (and chance), single_product_usage from the products a customer holds.
* telecom: switcher (9.2%; talks 2.5x as much, then from its change day keeps 20% of its
  calls and sends 1.5 messages per lost call: communication_pattern_change), light_user
  (5.9%; uses ~12% of its plan instead of ~90%: plan_underutilization, which also fires for
  customers who stopped), frequent_traveller (6.8%; a 3-9 day trip abroad about every 40 days:
  frequent_roaming), late_payer (7.4%; 80% of its bills 8-28 days late: payment_delays).
  data_usage_decline comes from customers who stopped (data records thinned after the stop)
  and chance; billing_complaints from support contacts (35% about billing) and bill shock (a
  bill with an overage charge is followed by a billing complaint with probability 0.4).
* ecommerce: cart_abandoner (7.0%; ~4 extra carts a month, also after it stopped buying:
  high_cart_abandonment), category_shifter (12.6%; other preferred categories from its change
  day: category_shift), bargain_hunter (10.8%; buys twice as often, always with a discount:
  discount_dependency), downtrader (11.2%; baskets at 45% of their value from its change day:
  basket_size_decline), window_shopper (6.1%; ~24 extra views a month, also after it stopped
  buying: low_browse_to_buy), serial_returner (8.1%; returns 40-80% of its purchases:
  high_return_rate).

With the defaults every signal fires for 2.5-38% of its organisation's analysed customers
(plan_underutilization and single_product_usage highest; see tests/python/test_generator.py
for an independent implementation of the rules). Traits come from random streams of their
own, and so do the dropout probabilities and the contract lengths: the customers, their
churn predictions and the upload do not depend on them.

Churn scores. The upload (telecom) has exactly 45% Low (< 0.3), 30% Medium (0.3-0.5),
18% High (0.5-0.7) and 7% Critical (>= 0.7) customers: band counts are fixed first, each
customer gets the band of its rank on a persona-based latent risk (persona mean + noise), and
a score uniform inside the band (4 decimals). ``churn_predictions`` (banking, ecommerce) are
made the same way with each organisation's own shares; every customer has a prediction from
the latest batch (on the end date), some also have older ones (30 and 60 days before), and
every customer active 120 days before the end date has one from a quarterly model run then
(what the backtest of the churn_prediction source checks, at as_of_date - 90 days).

All randomness comes from ``numpy.random.Generator(PCG64)`` streams derived from ``--seed``
(one per organisation and per chunk of customers), so the output is identical for a given
seed, size and end date. Transactions are generated and written in chunks of customers, so
1M customers per organisation (~150M events each) runs in bounded memory.

``--bad``: deliberately broken rows (rules section 10)
----------------------------------------------------
With ``--bad`` the generator also writes ``bad_rows_manifest.json`` in ``--out``: one entry
per added or altered row: ``table`` (a raw table, or ``churn_upload``), ``kind``, ``key`` (the
values that identify the row), ``organization_id``, ``expected`` (``rejected``: a
data_quality_rejects row; ``upload_error``: a segmentation_errors row; ``valid``: must not be
rejected) and ``reason_code`` (the project's reject code) or, for valid rows, ``note``.
Without ``--bad`` no row is rejected and no manifest is left. With ``--bad``, ``occurred_at``
is written as ISO text (``YYYY-MM-DD HH:MM:SS``) so that an unparseable value can exist;
without it, a real timestamp column. Bad rows are appended after the clean ones (the
upload's own rows of customers CUST_00004..7 are altered as listed). The rows added are:

* organizations: a missing organization_id; an unrecognised org_type (``insurance``); a
  duplicate organization_id (two rows); valid but needing normalisation: the three demo
  organisations' org_type written ``' Banking '``, ``' Telecom'``, ``'ECOMMERCE'`` and the
  banking id padded with spaces; and a valid organisation whose org_type is NULL (= telecom)
  with two customers and a few events.
* customers (banking organisation unless said): a missing customer_id; a missing, an
  unknown, and a rejected organisation (both the unknown-type and the duplicate-id ones); a
  duplicate customer_id (two rows, with one transaction, rejected as not a valid customer);
  a duplicate external_id within the organisation (two rows); valid: a customer whose
  customer_id and organization_id are padded with spaces.
* transactions, per demo organisation: missing transaction_id, missing customer_id, an
  unknown customer, missing timestamp, unparseable timestamp (``not-a-date``), a timestamp in
  2099, a transaction_type of another industry, a negative amount, a negative quantity, a
  later copy of an existing transaction_id (the copy is rejected), a pair with the same id
  where the later row in the file has the earlier timestamp (the first row is rejected), a
  pair with the same id and timestamp (the second row in the file is rejected); valid:
  padded / upper-case transaction_type, padded transaction_id and customer_id, padded
  upper-case category.
* churn_predictions, banking and ecommerce: an unknown customer, a NULL predicted_at, a
  missing probability, a probability of 1.2 and one of -0.05 (all on the end date, so they
  would win if they were not rejected); valid: a padded customer_id (older date) and a tie
  on predicted_at (the larger probability wins).
* upload: an unknown customer, ``abc``, ``1.5``, ``-0.1``, an empty score, a customer with
  two conflicting scores (both rows rejected); not errors: an exact duplicate row, a
  ``0.5`` / ``0.50`` pair, a padded external_id and a row keyed by the customer UUID.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

DEFAULT_END_DATE = "2026-10-31"
CHUNK_CUSTOMERS = 25_000

ORGANIZATIONS = [
    # (organization_id, name, org_type): fixed, independent of --seed
    ("8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b01", "Northwind Bank", "banking"),
    ("8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b02", "Contoso Mobile", "telecom"),
    ("8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b03", "Fabrikam Shop", "ecommerce"),
]

# days before the end date of the quarterly churn-model run (older than the backtest's 90 days)
QUARTERLY_BATCH_DAYS = 120
CHURN_BANDS = [(0.0, 0.2999), (0.3, 0.4999), (0.5, 0.6999), (0.7, 1.0)]  # Low, Medium, High, Critical
UPLOAD_BAND_SHARES = (0.45, 0.30, 0.18, 0.07)
PREDICTION_BAND_SHARES = {"banking": (0.48, 0.28, 0.16, 0.08), "ecommerce": (0.48, 0.30, 0.15, 0.07)}


@dataclass(frozen=True)
class Persona:
    name: str
    share: float
    activity: float            # median activity multiplier (log-normal, sigma 0.35)
    start: tuple[int, int]     # active from this many days before the end date (uniform)
    stop: tuple[int, int]      # active until this many days before the end date (0 = still active)
    ramp: tuple[float, float]  # activity multiplier at the start and at the stop of the span
    after: float               # rate factor of the other (non-value) events after the stop
    value: float               # median spend multiplier
    risk: float                # mean latent churn risk (ranked into bands)
    dropout: tuple[float, float]   # Beta(a, b) of the probability of dropping out after a value day
    contract: tuple[float, float]  # Beta(a, b) of a postpaid contract's monthly churn probability
    value_from: tuple[int, int] | None = None  # value events only from this many days before the end
    postpaid: float = 1.0      # telecom: factor on the probability of a contract (postpaid)


NO_DROPOUT = (0.0, 1.0)  # Beta(0, 1): probability 0, the customer stops at its stop only
PERSONAS = [
    # name, share, activity, start, stop, ramp, after, value, risk, dropout, contract
    Persona("champions", 0.13, 1.70, (400, 2500), (0, 0), (1.0, 1.0), 0.3, 1.5, 0.05, (0.3, 400.0), (0.5, 400.0)),
    Persona("loyal", 0.225, 1.05, (300, 2500), (0, 0), (1.0, 1.0), 0.3, 1.1, 0.20, (0.3, 150.0), (0.5, 250.0)),
    Persona("potential", 0.11, 0.90, (90, 400), (0, 0), (0.3, 1.4), 0.3, 1.0, 0.25, (0.5, 8.0), (0.5, 12.0)),
    Persona("new", 0.03, 0.90, (1, 29), (0, 0), (1.0, 1.0), 0.3, 0.9, 0.55, (0.5, 1.5), (0.5, 6.0)),
    Persona("promising", 0.06, 0.30, (60, 600), (0, 0), (1.0, 1.0), 0.3, 0.8, 0.60, (0.5, 1.5), (0.5, 6.0), (1, 14)),
    Persona("occasional", 0.155, 0.30, (150, 1200), (0, 0), (1.0, 1.0), 0.3, 0.7, 0.30, (0.5, 1.5), (0.5, 10.0)),
    Persona("declining", 0.065, 0.90, (300, 2500), (25, 60), (1.0, 1.0), 0.30, 1.0, 0.40, NO_DROPOUT, NO_DROPOUT,
            postpaid=0.0),
    Persona("at_risk", 0.03, 1.30, (300, 2500), (60, 180), (1.0, 1.0), 0.08, 3.0, 0.75, NO_DROPOUT, NO_DROPOUT,
            postpaid=0.0),
    Persona("lapsed", 0.025, 0.20, (400, 2500), (200, 340), (1.0, 1.0), 0.02, 0.7, 0.85, NO_DROPOUT, NO_DROPOUT),
    Persona("dormant", 0.027, 0.40, (450, 2500), (370, 520), (1.0, 1.0), 0.04, 0.7, 0.90, NO_DROPOUT, NO_DROPOUT),
    Persona("hibernating", 0.143, 0.08, (300, 2500), (130, 300), (1.0, 1.0), 0.03, 0.8, 0.33, (1.0, 1.0), NO_DROPOUT,
            postpaid=0.0),
]
assert abs(sum(p.share for p in PERSONAS) - 1.0) < 1e-9
PERSONA_NAMES = [p.name for p in PERSONAS]


@dataclass(frozen=True)
class Trait:
    """A behaviour attached to customers on top of their persona: within each persona exactly
    round(probability x persona count) customers get it (`default` unless `by_persona` names the
    persona). Traits are independent of each other; their effects are described in TRAITS."""
    name: str
    default: float
    by_persona: tuple[tuple[str, float], ...] = ()

    def probabilities(self) -> np.ndarray:
        given = dict(self.by_persona)
        assert set(given) <= set(PERSONA_NAMES), self.name
        return np.array([given.get(p, self.default) for p in PERSONA_NAMES])


# Rates and effects of the traits (per day; see TRAITS and the module docstring)
BALANCE_WATCH_RATE = 0.25          # balance checks of a balance watcher
FRUSTRATION_EPISODE_RATE = 0.012   # support episodes of a frustrated customer
SWITCH_VOLUME = 2.5                # a switcher's calls and messages, times the usual
SWITCH_CALLS_KEPT = 0.2            # share of its calls a switcher still makes after its change day
SWITCH_SMS_PER_CALL = 1.5          # messages per call it no longer makes
BILL_SHOCK_COMPLAINT = 0.4         # probability of a billing complaint after a bill with an overage
LATE_PAYER_MAX_DAYS = 28           # a late payer pays most bills 8 to this many days late
TRIP_RATE = 0.025                  # trips abroad of a frequent traveller
DOWNTRADE_FACTOR = 0.45            # basket value of a downtrader after its change day
BARGAIN_EXTRA = 1.0                # extra purchases of a bargain hunter (times its purchase rate)
ABANDONER_CART_RATE = 0.13         # carts of a cart abandoner
WINDOW_SHOPPER_VIEW_RATE = 0.8     # product views of a window shopper

# Behaviour traits per industry (see the module docstring for what each does and the risk
# signal of rules section 7 it drives). Probabilities per persona; the default for the rest.
TRAITS = {
    "banking": [
        # keeps checking the balance (~7 a month), also after it stopped transacting
        Trait("balance_watcher", 0.04, (("declining", 0.35), ("at_risk", 0.20), ("occasional", 0.12),
                                        ("dormant", 0.10), ("hibernating", 0.05), ("lapsed", 0.05))),
        # repeated support episodes (about one every 80 days, ~5 contacts each), up to a month
        # after it stops
        Trait("frustrated", 0.05, (("declining", 0.30), ("new", 0.10), ("occasional", 0.08),
                                   ("at_risk", 0.0), ("lapsed", 0.0), ("dormant", 0.0), ("hibernating", 0.0))),
    ],
    "telecom": [
        # talks a lot, then replaces most calls by messages from its change day on
        Trait("switcher", 0.04, (("champions", 0.15), ("loyal", 0.15), ("potential", 0.12), ("declining", 0.10))),
        # uses ~12% of its plan's data allowance
        Trait("light_user", 0.05, (("declining", 0.10), ("occasional", 0.08), ("new", 0.08))),
        # a trip abroad about every 40 days
        Trait("frequent_traveller", 0.04, (("champions", 0.12), ("loyal", 0.10), ("potential", 0.08))),
        # pays most bills 8-45 days late
        Trait("late_payer", 0.05, (("declining", 0.25), ("at_risk", 0.15), ("occasional", 0.08),
                                   ("promising", 0.08), ("new", 0.08))),
    ],
    "ecommerce": [
        # fills many carts (~4 a month) that it mostly does not buy
        Trait("cart_abandoner", 0.06, (("declining", 0.12), ("new", 0.10), ("promising", 0.10),
                                       ("potential", 0.08))),
        # buys (and browses) other categories from its change day on
        Trait("category_shifter", 0.06, (("champions", 0.25), ("loyal", 0.20), ("potential", 0.15))),
        # buys only with a discount, and twice as often as otherwise
        Trait("bargain_hunter", 0.04, (("champions", 0.20), ("loyal", 0.18), ("potential", 0.15),
                                       ("occasional", 0.06))),
        # its baskets shrink to ~45% of their value from its change day on
        Trait("downtrader", 0.06, (("declining", 0.30), ("champions", 0.15), ("loyal", 0.15),
                                   ("potential", 0.10))),
        # browses a lot (~20-25 views a month), also after it stopped buying
        Trait("window_shopper", 0.02, (("occasional", 0.12), ("declining", 0.20), ("at_risk", 0.10),
                                       ("dormant", 0.10), ("new", 0.10), ("promising", 0.08),
                                       ("hibernating", 0.04), ("lapsed", 0.05))),
        # returns 40-80% of its purchases
        Trait("serial_returner", 0.05, (("champions", 0.12), ("loyal", 0.12), ("potential", 0.10))),
    ],
}

# Per industry: transaction types, whether each is a value event, and its rate per day at
# activity 1 (the Poisson part; periodic events, bursts and returns are made separately).
INDUSTRY_TYPES = {
    "banking": [("login", False, 0.19), ("transaction", True, 0.09), ("feature_use", False, 0.03),
                ("balance_check", False, 0.06), ("support_contact", False, 0.004)],
    "telecom": [("data_usage", False, 0.0), ("call", False, 0.11), ("sms", False, 0.055),
                ("roaming", False, 0.0), ("bill_payment", True, 0.0), ("topup", True, 0.0),
                ("support_contact", False, 0.004)],
    "ecommerce": [("view", False, 0.20), ("cart", False, 0.04), ("purchase", True, 0.035),
                  ("return", False, 0.0), ("support_contact", False, 0.003)],
}
BANK_PRODUCTS = ["checking", "credit_card", "savings", "investment", "loan", "mortgage"]
BANK_FEATURES = ["mobile_deposit", "bill_pay", "transfers", "budgeting", "card_controls",
                 "alerts", "statements", "p2p_payments"]
BANK_TOPICS = ["card_issue", "fraud", "account_access", "fees", "loan_inquiry", "general"]
TELECOM_TOPICS = ["billing", "network", "device", "plan_change", "roaming", "general"]
PLANS_MB = np.array([2048, 5120, 10240, 20480, 51200], dtype=float)
PLAN_PRICE = np.array([20.0, 30.0, 40.0, 55.0, 75.0])
BILL_PERIOD = 30.4  # days between two monthly bills
SHOP_CATEGORIES = ["electronics", "fashion", "home", "beauty", "sports", "books", "toys", "grocery"]
SHOP_PRICE = np.array([120.0, 45.0, 60.0, 25.0, 50.0, 15.0, 30.0, 20.0])
SHOP_TOPICS = ["delivery", "refund", "payment", "account", "product_question"]

CATEGORY_VOCAB = {
    "banking": BANK_PRODUCTS + BANK_FEATURES + BANK_TOPICS,
    "telecom": TELECOM_TOPICS,
    "ecommerce": SHOP_CATEGORIES + SHOP_TOPICS,
}

# Events per hour of day (weights), for realistic timestamps.
HOUR_WEIGHTS = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 3.5, 4, 4, 4.2,
                         4.5, 4.2, 4, 4, 4.2, 4.5, 5, 5, 4.5, 3.5, 2.5, 1.6])
HOUR_CDF = np.cumsum(HOUR_WEIGHTS) / HOUR_WEIGHTS.sum()

TXN_SCHEMA_TS = pa.schema([
    ("transaction_id", pa.string()), ("customer_id", pa.string()), ("occurred_at", pa.timestamp("us")),
    ("transaction_type", pa.string()), ("amount", pa.float64()), ("quantity", pa.float64()),
    ("category", pa.string()), ("discount_amount", pa.float64()),
])
TXN_SCHEMA_TEXT = TXN_SCHEMA_TS.set(2, pa.field("occurred_at", pa.string()))
CSV_OPTIONS = pa_csv.WriteOptions(include_header=True)

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


# --------------------------------------------------------------------------------------------
# small vectorised helpers
# --------------------------------------------------------------------------------------------

def _child_rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def _uuid4_strings(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random version-4 UUID strings (vectorised; deterministic for the generator)."""
    b = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    hx = np.empty((n, 32), dtype=np.uint8)
    hx[:, 0::2] = _HEX[b >> 4]
    hx[:, 1::2] = _HEX[b & 0x0F]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for dst, src in ((0, 0), (9, 8), (14, 12), (19, 16), (24, 20)):
        width = {0: 8, 9: 4, 14: 4, 19: 4, 24: 12}[dst]
        out[:, dst:dst + width] = hx[:, src:src + width]
    return out.view("S36").ravel().astype(str)


def _txn_ids(counter_start: int, n: int) -> pa.Array:
    """Unique ids TXN_<16 hex>: a bijective mix of a global row counter (unique, random-looking)."""
    x = np.arange(counter_start, counter_start + n, dtype=np.uint64)
    x = x * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x2545F4914F6CDD1D)
    x ^= x >> np.uint64(31)
    b = x.astype(">u8").view(np.uint8).reshape(n, 8)  # big-endian bytes
    out = np.empty((n, 20), dtype=np.uint8)
    out[:, :4] = np.frombuffer(b"TXN_", dtype=np.uint8)
    out[:, 4::2] = _HEX[b >> 4]
    out[:, 5::2] = _HEX[b & 0x0F]
    return pa.array(out.view("S20").ravel()).cast(pa.string())


def _exact_counts(n: int, shares) -> np.ndarray:
    """Integer counts summing to n, each within one of n*share (largest remainders)."""
    shares = np.asarray(shares, dtype=float)
    raw = shares / shares.sum() * n
    counts = np.floor(raw).astype(int)
    rest = n - counts.sum()
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:rest]] += 1
    return counts


def _sample_rows(rng: np.random.Generator, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each event (row index into `weights`), a column drawn with that row's weights."""
    cum = np.cumsum(weights, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(rows))
    return np.minimum((cum[rows] < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _ramp_positions(u: np.ndarray, a0: np.ndarray, a1: np.ndarray) -> np.ndarray:
    """Inverse CDF on [0, 1] of a density proportional to a0 + (a1 - a0) x."""
    d = a1 - a0
    flat = np.abs(d) < 1e-9
    safe = np.where(flat, 1.0, d)
    x = (-a0 + np.sqrt(a0 * a0 + (a1 * a1 - a0 * a0) * u)) / safe
    return np.clip(np.where(flat, u, x), 0.0, 1.0 - 1e-12)


def _poisson_span(rng, rate, t0, t1, a0=None, a1=None):
    """Poisson process per customer on [t0, t1) (days), rate per day x linear ramp a0->a1.
    Returns (customer index, time in days)."""
    span = np.clip(t1 - t0, 0.0, None)
    if a0 is None:
        mean = rate * span
    else:
        mean = rate * span * (a0 + a1) / 2.0
    k = rng.poisson(np.clip(mean, 0.0, None))
    ci = np.repeat(np.arange(len(rate)), k)
    u = rng.random(len(ci))
    if a0 is not None:
        u = _ramp_positions(u, a0[ci], a1[ci])
    return ci, t0[ci] + u * span[ci]


def _periodic(rng, mask, t0, t_end, phase, period=30.4):
    """One event per period (a number, or one per customer) from the first phase point >= t0 up
    to t_end, for masked customers."""
    period = np.broadcast_to(np.asarray(period, dtype=float), t0.shape)
    first = t0 + np.mod(phase - t0, period)
    n = np.where(mask & (first < t_end), np.floor((t_end - first) / period).astype(np.int64) + 1, 0)
    ci = np.repeat(np.arange(len(t0)), n)
    k = np.arange(len(ci)) - np.repeat(np.cumsum(n) - n, n)
    return ci, first[ci] + k * period[ci]


def _bursts(rng, episode_rate, t0, t1, length=(3.0, 10.0), intensity=1.0):
    """Episodes (support issues, trips) as a Poisson process on [t0, t1); inside an episode,
    events at `intensity` per day. Returns (customer index, time)."""
    ep_ci, ep_start = _poisson_span(rng, episode_rate, t0, t1)
    ep_len = rng.uniform(*length, size=len(ep_ci))
    k = rng.poisson(ep_len * intensity) + 1
    ci = np.repeat(ep_ci, k)
    t = np.repeat(ep_start, k) + rng.random(len(ci)) * np.repeat(ep_len, k)
    return ci, t


# --------------------------------------------------------------------------------------------
# customers
# --------------------------------------------------------------------------------------------

@dataclass
class OrgCustomers:
    org_id: str
    org_type: str
    n: int
    customer_id: np.ndarray
    external_id: np.ndarray
    persona: np.ndarray        # index into PERSONAS
    t0: np.ndarray             # active span start, days from the history start (may be < 0)
    t1: np.ndarray             # active span stop (history_days = end of the end date)
    tv: np.ndarray             # start of value events (= t0 unless the persona has value_from)
    a0: np.ndarray
    a1: np.ndarray
    after_other: np.ndarray    # rate factor of the non-value events after the stop
    activity: np.ndarray
    value: np.ndarray
    risk: np.ndarray           # latent churn risk
    signup: np.ndarray         # days from the history start (float, NaN = NULL)
    dropout_days: np.ndarray   # a non-contractual customer drops out after this many value days
    contract_months: np.ndarray  # a postpaid customer pays this many monthly bills, then churns
    attrs: dict

    def customer_id_arrow(self) -> pa.Array:
        if "_ids" not in self.attrs:
            self.attrs["_ids"] = pa.array(self.customer_id, pa.string())
        return self.attrs["_ids"]


def _assign_traits(rng: np.random.Generator, persona: np.ndarray, org_type: str) -> dict[str, np.ndarray]:
    """Per trait of the industry, a boolean per customer: within each persona exactly
    round(probability x persona count) customers, chosen at random."""
    n = len(persona)
    sizes = np.bincount(persona, minlength=len(PERSONAS))
    starts = np.cumsum(sizes) - sizes
    out = {}
    for trait in TRAITS[org_type]:
        k = np.floor(trait.probabilities() * sizes + 0.5).astype(np.int64)
        order = np.lexsort((rng.random(n), persona))          # grouped by persona, random inside
        pos = np.arange(n) - np.repeat(starts, sizes)         # position inside the persona group
        flag = np.zeros(n, dtype=bool)
        flag[order] = pos < k[persona[order]]
        out[trait.name] = flag
    return out


NEVER = np.iinfo(np.int64).max


def _geometric_counts(rng: np.random.Generator, beta_ab: np.ndarray) -> np.ndarray:
    """Per customer, a probability q ~ Beta(a, b) (q = 0 where a = 0) and the number of trials up
    to and including the first success at probability q (NEVER where q = 0)."""
    a, b = beta_ab[:, 0], beta_ab[:, 1]
    some = a > 0
    q = np.zeros(len(a))
    q[some] = rng.beta(a[some], b[some])
    k = np.full(len(a), NEVER, dtype=np.int64)
    k[some] = rng.geometric(np.maximum(q[some], 1e-9))
    return k


def make_customers(org_index: int, org_id: str, org_type: str, n: int, seed: int,
                   history_days: int) -> OrgCustomers:
    rng = _child_rng(seed, org_index, 0)
    H = float(history_days)
    counts = _exact_counts(n, [p.share for p in PERSONAS])
    persona = rng.permutation(np.repeat(np.arange(len(PERSONAS)), counts))

    def per(attr):
        return np.array([getattr(p, attr) for p in PERSONAS])[persona]

    start_lo, start_hi = (np.array([getattr(p, "start")[i] for p in PERSONAS])[persona] for i in (0, 1))
    stop_lo, stop_hi = (np.array([getattr(p, "stop")[i] for p in PERSONAS])[persona] for i in (0, 1))
    start_ago = rng.uniform(start_lo, start_hi + 1)
    stop_ago = rng.uniform(stop_lo, stop_hi + 1e-9)
    stop_ago = np.where(stop_hi == 0, 0.0, stop_ago)
    t0 = H - start_ago
    t1 = H - stop_ago
    vf = np.array([p.value_from if p.value_from else (-1, -1) for p in PERSONAS])[persona]
    tv = np.where(vf[:, 0] >= 0, np.maximum(t0, H - rng.uniform(vf[:, 0], vf[:, 1] + 1)), t0)
    ramp = np.array([p.ramp for p in PERSONAS])[persona]
    after = per("after")
    activity = per("activity") * rng.lognormal(0.0, 0.35, n)
    value = per("value") * rng.lognormal(0.0, 0.35, n)
    risk = per("risk") + rng.normal(0.0, 0.12, n)

    # signup_date: the start of the span (days), 3% NULL, 2% registered after they started.
    signup = np.floor(t0)
    late = rng.random(n) < 0.02
    signup = np.where(late, np.minimum(signup + rng.integers(20, 200, n), H - 1), signup)
    signup = np.where(rng.random(n) < 0.03, np.nan, signup)

    attrs: dict = {}
    if org_type == "banking":
        hold = rng.random((n, len(BANK_PRODUCTS))) < np.array([0.97, 0.55, 0.40, 0.15, 0.12, 0.10])
        # credit products (monthly repayments) go to engaged customers
        hold[:, 4:] &= rng.random((n, 1)) < np.clip(activity, 0.0, 1.0)[:, None]
        attrs["product_weights"] = hold[:, :4] * np.array([5.0, 4.0, 1.0, 0.5]) + 1e-12 * np.array([1, 0, 0, 0])
        attrs["has_loan"] = hold[:, 4]
        attrs["has_mortgage"] = hold[:, 5]
        attrs["loan_amount"] = np.round(rng.uniform(150, 600, n), 2)
        attrs["mortgage_amount"] = np.round(rng.uniform(700, 2500, n), 2)
        attrs["repay_phase"] = rng.uniform(0, 30.4, n)
        nfeat = rng.integers(1, 6, n)
        feat_rank = rng.random((n, len(BANK_FEATURES))).argsort(axis=1).argsort(axis=1)
        attrs["feature_weights"] = (feat_rank < nfeat[:, None]).astype(float)
    elif org_type == "telecom":
        # bigger spenders take bigger plans
        plan = np.digitize(np.log(value) + rng.normal(0.0, 0.5, n), [-0.7, -0.15, 0.35, 0.85])
        attrs["plan"] = plan
        # engaged customers are more often on a contract (postpaid) than on prepaid
        attrs["postpaid"] = rng.random(n) < np.clip(activity - 0.1, 0.0, 0.85) * per("postpaid")
        attrs["utilisation"] = np.clip(rng.lognormal(np.log(0.55), 0.5, n), 0.03, 2.0)
        attrs["traveler"] = rng.random(n) < 0.15
        attrs["bill_phase"] = rng.uniform(0, 30.4, n)
        late_kind = rng.choice(3, size=n, p=[0.80, 0.15, 0.05])
        attrs["late_prob"] = np.array([0.05, 0.30, 0.70])[late_kind]
        attrs["late_max"] = np.array([5, 15, 25])[late_kind]
        attrs["sms_affinity"] = rng.gamma(2.0, 0.5, n)
    else:
        attrs["category_weights"] = rng.dirichlet(np.full(len(SHOP_CATEGORIES), 0.4), size=n) + 1e-9
        # share of purchases made with a discount (bargain hunters: all, see TRAITS); the first
        # two draws are unused but kept, so that the attributes drawn after them stay the same
        _, _, attrs["discount_prop"] = rng.random(n), rng.uniform(0.8, 1.0, n), rng.beta(2, 6, n)
        attrs["return_prop"] = rng.beta(1.5, 12, n)
        attrs["browse_ratio"] = rng.lognormal(0.0, 0.5, n)

    # Behaviour traits come from a stream of their own, so that the customers, their churn
    # scores and the upload do not depend on them.
    trng = _child_rng(seed, org_index, 3)
    traits = _assign_traits(trng, persona, org_type)
    attrs["traits"] = traits
    # the day a switcher / category shifter / downtrader changes its habits: 20-50 days before
    # the end date (days from the history start, like t0 and t1)
    attrs["change_at"] = H - trng.uniform(20.0, 50.0, n)
    if org_type == "telecom":
        # share of the plan's allowance used in a month: light users ~12%, the others ~90%
        light = traits["light_user"]
        attrs["utilisation"] = np.clip(np.where(light, trng.lognormal(np.log(0.12), 0.4, n),
                                                trng.lognormal(np.log(0.9), 0.25, n)), 0.02, 2.0)
        attrs["data_period"] = trng.uniform(7.0, 11.0, n)
        attrs["data_phase"] = trng.uniform(0.0, 11.0, n)
        late = traits["late_payer"]
        attrs["late_prob"] = np.where(late, 0.8, attrs["late_prob"])
        attrs["late_min"] = np.where(late, 8, 1)
        attrs["late_max"] = np.where(late, LATE_PAYER_MAX_DAYS, attrs["late_max"])
    elif org_type == "ecommerce":
        # a category shifter's preferences after its change day: a new draw that avoids the
        # categories it used to prefer
        new = trng.dirichlet(np.full(len(SHOP_CATEGORIES), 0.4), size=n)
        old = attrs["category_weights"]
        new = new * np.where(old >= 0.15, 0.05, 1.0) + 1e-9
        attrs["category_weights_new"] = new
        attrs["discount_prop"] = np.where(traits["bargain_hunter"], 1.0, attrs["discount_prop"])
        attrs["return_prop"] = np.where(traits["serial_returner"], trng.uniform(0.4, 0.8, n),
                                        attrs["return_prop"])

    # Churn (a stream of its own as well): a non-contractual customer drops out for good right
    # after a value day with probability p (Beta per persona), i.e. after a geometric number of
    # value days in the history window (counting from its first one there); a postpaid contract
    # is renewed every month with probability 1 - theta (Beta per persona), i.e. ends after a
    # geometric number of paid bills. Stopped personas stop at their stop anyway.
    drng = _child_rng(seed, org_index, 4)
    dropout_days = _geometric_counts(drng, np.array([p.dropout for p in PERSONAS])[persona])
    contract_months = _geometric_counts(drng, np.array([p.contract for p in PERSONAS])[persona])

    width = max(5, len(str(n)))
    external_id = np.array([f"CUST_{i:0{width}d}" for i in range(1, n + 1)])
    return OrgCustomers(org_id, org_type, n, _uuid4_strings(rng, n), external_id, persona,
                        t0, t1, tv, ramp[:, 0], ramp[:, 1], after, activity,
                        value, risk, signup, dropout_days, contract_months, attrs)


def customers_table(c: OrgCustomers, end: np.datetime64, history_days: int) -> pa.Table:
    day0 = end - np.timedelta64(history_days - 1, "D")
    signup = np.where(np.isnan(c.signup), 0, c.signup).astype(np.int64)
    signup_dates = pa.array(day0 + signup.astype("timedelta64[D]"), mask=np.isnan(c.signup))
    if c.org_type == "telecom":
        allowance = pa.array(PLANS_MB[c.attrs["plan"]])
    else:
        allowance = pa.nulls(c.n, pa.float64())
    return pa.table({
        "customer_id": pa.array(c.customer_id, pa.string()),
        "organization_id": pa.array(np.full(c.n, c.org_id), pa.string()),
        "external_id": pa.array(c.external_id, pa.string()),
        "signup_date": signup_dates.cast(pa.date32()),
        "plan_allowance_mb": allowance,
    })


# --------------------------------------------------------------------------------------------
# events
# --------------------------------------------------------------------------------------------

def _stop_after(ci: np.ndarray, t: np.ndarray, m: int, k: np.ndarray, t1: np.ndarray) -> np.ndarray:
    """Per customer: the end of its k-th distinct value day (customer index ci, time t), where it
    drops out, or t1 when it has fewer value days than that before t1."""
    day = np.floor(t).astype(np.int64)
    key = np.unique(ci.astype(np.int64) * (1 << 32) + day)
    uc, ud = key >> 32, key & ((1 << 32) - 1)
    rank = np.arange(len(uc)) - np.searchsorted(uc, np.arange(m))[uc]  # 0 = the first value day
    hit = rank == k[uc] - 1
    stop = t1.copy()
    stop[uc[hit]] = np.minimum(t1[uc[hit]], ud[hit] + 1.0)
    return stop


def _events_for_chunk(c: OrgCustomers, lo: int, hi: int, rng: np.random.Generator, H: float,
                      brng: np.random.Generator | None = None):
    """All events of customers [lo, hi) of an organisation, as numpy columns. `rng` draws the
    events of the personas, `brng` (default: `rng`) the additions of the behaviour traits.

    The value events come first: their times over [start of value events, persona stop), then
    the customer's stop (the persona stop, or earlier where it drops out: after its
    `dropout_days`-th value day, or, postpaid, at the end of its `contract_months`-th paid
    month), then their amounts, only for those before the stop. No value event follows the stop.
    The other events run over the active span up to that stop and, at the persona's `after`
    rate, beyond it."""
    brng = rng if brng is None else brng
    sl = slice(lo, hi)
    m = hi - lo
    t0 = np.maximum(c.t0[sl], 0.0)
    t1 = np.maximum(c.t1[sl], t0)
    a0, a1 = c.a0[sl], c.a1[sl]
    # the ramp is defined over the whole span (also the part before the history window)
    full = np.maximum(c.t1[sl] - c.t0[sl], 1e-9)
    a_at = lambda t: a0 + (a1 - a0) * (t - c.t0[sl]) / full  # noqa: E731
    tv = np.minimum(np.maximum(c.tv[sl], 0.0), t1)
    a0v, a1v = a_at(tv), a_at(t1)
    act = c.activity[sl]
    foth = c.after_other[sl]
    hend = np.full(m, H)
    trait = {k: v[sl] for k, v in c.attrs["traits"].items()}
    change_at = c.attrs["change_at"][sl]
    types = INDUSTRY_TYPES[c.org_type]
    tnames = [t[0] for t in types]
    rate_of = {t[0]: t[2] for t in types}
    vocab = CATEGORY_VOCAB[c.org_type]
    cat_index = {v: i for i, v in enumerate(vocab)}
    parts = []  # (type code, customer index, time, amount, quantity, category code, discount)

    def add(tname, ci, t, amount=None, quantity=None, category=None, discount=None):
        k = len(ci)
        nan = np.full(k, np.nan)
        parts.append((np.full(k, tnames.index(tname), dtype=np.int8), ci, t,
                      nan if amount is None else amount, nan if quantity is None else quantity,
                      np.full(k, -1, dtype=np.int16) if category is None else category.astype(np.int16),
                      nan if discount is None else discount))

    def value_times(rate, g=rng):
        """Poisson value events over [tv, t1) (with the ramp); the stop cuts them later."""
        return _poisson_span(g, rate, tv, t1, a0v, a1v)

    def poisson(rate, g=rng):
        """Poisson non-value events over the active span [t0, stop) (with the ramp) and, at the
        persona's `after` rate, from the stop to the end."""
        ci1, tt1 = _poisson_span(g, rate, t0, stop, a0w, a1w)
        ci2, tt2 = _poisson_span(g, rate * foth, stop, hend)
        return np.concatenate([ci1, ci2]), np.concatenate([tt1, tt2])

    def noise(shape=3.0, g=rng):
        return g.gamma(shape, 1.0 / shape, m)

    def cat(*pairs):
        return tuple(np.concatenate(x) for x in zip(*pairs))

    def before_stop(ci, t, *cols):
        keep = t < stop[ci]
        return (ci[keep], t[keep]) + tuple(col[keep] for col in cols)

    def set_stop(new_stop):
        nonlocal stop, a0w, a1w
        stop = new_stop
        a0w, a1w = a_at(t0), a_at(stop)

    stop = t1
    a0w, a1w = a_at(t0), a_at(t1)
    # activation: a value event on the day a customer starts (buying) inside the window
    act_ci = np.flatnonzero(c.tv[sl] >= 0)
    act_t = c.tv[sl][act_ci] + rng.random(len(act_ci)) * 0.5
    k_drop = c.dropout_days[sl]

    if c.org_type == "banking":
        a = c.attrs
        pw = a["product_weights"][sl]
        bank_topic_p = [0.25, 0.08, 0.2, 0.15, 0.1, 0.22]
        bank_topic_code = np.array([cat_index[x] for x in BANK_TOPICS])
        # value events: card / account transactions, and monthly loan / mortgage repayments
        tx = cat(value_times(rate_of["transaction"] * act * noise()), (act_ci, act_t))
        repay = {}
        for prod, flag in (("loan", "has_loan"), ("mortgage", "has_mortgage")):
            ci, t = _periodic(rng, a[flag][sl], tv, t1, a["repay_phase"][sl])
            repay[prod] = (ci, t + rng.random(len(ci)) * 0.9)
        set_stop(_stop_after(*cat(tx, *repay.values()), m, k_drop, t1))
        ci, t = before_stop(*tx)
        prod = _sample_rows(rng, pw, ci)
        base = np.array([45.0, 60.0, 250.0, 500.0])[prod]
        sig = np.array([0.9, 0.9, 0.8, 0.9])[prod]
        amount = np.round(base * c.value[sl][ci] * rng.lognormal(0, 1, len(ci)) ** sig, 2)
        add("transaction", ci, t, amount=amount, category=prod)
        for prod, amt in (("loan", "loan_amount"), ("mortgage", "mortgage_amount")):
            ci, t = before_stop(*repay[prod])
            add("transaction", ci, t, amount=a[amt][sl][ci], category=np.full(len(ci), cat_index[prod]))
        # other events
        for tname, is_value, rate in types:
            if is_value or rate == 0:
                continue
            ci, t = poisson(rate * act * noise())
            if tname == "feature_use":
                feat = _sample_rows(rng, a["feature_weights"][sl], ci)
                add(tname, ci, t, category=np.array([cat_index[f] for f in BANK_FEATURES])[feat])
            elif tname == "support_contact":
                bci, bt = _bursts(rng, np.full(m, 0.002), t0, stop, (2.0, 7.0), 0.8)
                ci, t = np.concatenate([ci, bci]), np.concatenate([t, bt])
                topic = rng.choice(len(BANK_TOPICS), size=len(ci), p=bank_topic_p)
                add(tname, ci, t, category=bank_topic_code[topic])
            else:
                add(tname, ci, t)
        # traits. Balance watchers check their balance ~0.25 times a day from their start to the
        # end, whether they still transact or not ...
        r = np.where(trait["balance_watcher"], BALANCE_WATCH_RATE, 0.0) * noise(g=brng)
        ci, t = _poisson_span(brng, r, t0, hend)
        add("balance_check", ci, t)
        # ... frustrated customers have support episodes (~5 contacts each) about every 80 days
        # while active and up to a month after they stop
        ci, t = _bursts(brng, np.where(trait["frustrated"], FRUSTRATION_EPISODE_RATE, 0.0), t0,
                        np.minimum(stop + 30.0, hend), (3.0, 8.0), 0.9)
        topic = brng.choice(len(BANK_TOPICS), size=len(ci), p=bank_topic_p)
        add("support_contact", ci, t, category=bank_topic_code[topic])

    elif c.org_type == "telecom":
        a = c.attrs
        plan = a["plan"][sl]
        postpaid = a["postpaid"][sl]
        switcher = trait["switcher"]
        # value events. Postpaid: a monthly bill (due date + days late), the first one on the
        # start day when the contract starts inside the window; the contract ends after
        # `contract_months` paid bills (counted from the first one in the window), then no
        # bill is paid any more. Bills due before the stop but paid after it are not paid.
        phase = np.where(c.tv[sl] >= 0, tv, a["bill_phase"][sl])
        first_due = tv + np.mod(phase - tv, BILL_PERIOD)
        ci, due = _periodic(rng, postpaid, tv, t1, phase, BILL_PERIOD)
        months = c.contract_months[sl]
        contract_end = np.where(months < NEVER, first_due + np.minimum(months, 10**6) * BILL_PERIOD, np.inf)
        is_late = rng.random(len(ci)) < a["late_prob"][sl][ci]
        late = np.where(is_late, rng.integers(a["late_min"][sl][ci], a["late_max"][sl][ci] + 1), 0)
        opening = due == tv[ci]  # the first bill of a new contract is paid on the start day
        late = np.where(opening, 0, late)
        bills = (ci, np.where(opening, due + rng.random(len(ci)) * 0.5, np.floor(due) + late + rng.random(len(ci))),
                 late, opening)
        # top-ups: prepaid customers regularly, postpaid ones now and then (add-ons)
        top = value_times(np.where(postpaid, 0.03, 0.075) * act * noise(3.0))
        pre_act = ~postpaid[act_ci]
        top = cat(top, (act_ci[pre_act], act_t[pre_act]))
        # prepaid customers drop out after `dropout_days` top-up days
        stop_prepaid = _stop_after(*top, m, k_drop, t1)
        set_stop(np.where(postpaid, np.minimum(t1, contract_end), stop_prepaid))
        ci, t, late, opening = before_stop(*bills)
        ok = t < H
        ci, t, late, opening = ci[ok], t[ok], late[ok], opening[ok]
        price = PLAN_PRICE[plan[ci]]
        overage = np.where(~opening & (rng.random(len(ci)) < 0.15), rng.uniform(2, 25, len(ci)), 0.0)
        add("bill_payment", ci, t, amount=np.round(price + overage, 2), quantity=late.astype(float))
        # bill shock: a bill with an overage charge is often followed by a billing complaint
        shock = (overage > 0) & (brng.random(len(ci)) < BILL_SHOCK_COMPLAINT)
        add("support_contact", ci[shock], t[shock] + brng.uniform(0.0, 4.0, shock.sum()),
            category=np.full(shock.sum(), TELECOM_TOPICS.index("billing")))
        ci, t = before_stop(*top)
        # top-up amounts: bigger spenders choose bigger top-ups
        amounts = np.array([10.0, 15.0, 20.0, 25.0, 30.0, 50.0])
        step = np.rint(2.0 * np.log2(c.value[sl][ci])).astype(np.int64)
        k = np.clip(rng.choice(6, size=len(ci), p=[0.2, 0.2, 0.25, 0.15, 0.12, 0.08]) + step, 0, 5)
        add("topup", ci, t, amount=amounts[k])

        # data usage: a usage record every 7-11 days (per customer) while active, fewer after the
        # stop, each of `utilisation` x the plan's allowance pro rata (everybody with a phone
        # uses data, whatever its activity)
        period = a["data_period"][sl]
        ci, t = _periodic(rng, np.ones(m, dtype=bool), t0, hend, a["data_phase"][sl], period)
        keep = (t < stop[ci]) | (rng.random(len(ci)) < foth[ci])
        ci, t = ci[keep], t[keep] + rng.random(keep.sum())
        per_record = PLANS_MB[plan] * a["utilisation"][sl] * period / 30.4
        add("data_usage", ci, t, quantity=np.round(per_record[ci] * rng.lognormal(-0.06, 0.35, len(ci)), 1))
        # calls, messages, support contacts
        r_call = rate_of["call"] * act * noise()
        r_sms = rate_of["sms"] * act * noise() * a["sms_affinity"][sl]
        # switchers talk SWITCH_VOLUME times as much and, from their change day on, keep only
        # SWITCH_CALLS_KEPT of their calls
        ci, t = cat(poisson(r_call), poisson(np.where(switcher, (SWITCH_VOLUME - 1.0) * r_call, 0.0), brng))
        drop = switcher[ci] & (t >= change_at[ci]) & (brng.random(len(ci)) >= SWITCH_CALLS_KEPT)
        ci, t = ci[~drop], t[~drop]
        add("call", ci, t, quantity=np.ceil(rng.lognormal(np.log(3.0), 0.9, len(ci))))
        # ... and send SWITCH_VOLUME times the messages, plus, from the change day on,
        # SWITCH_SMS_PER_CALL messages per call they no longer make (thinned Poisson)
        ci, t = poisson(r_sms)
        before = (SWITCH_VOLUME - 1.0) * r_sms
        after = before + SWITCH_VOLUME * (1.0 - SWITCH_CALLS_KEPT) * SWITCH_SMS_PER_CALL * r_call
        rmax = np.where(switcher, after, 0.0)
        eci, et = poisson(rmax, brng)
        keep = (et >= change_at[eci]) | (brng.random(len(eci)) * rmax[eci] < before[eci])
        ci, t = cat((ci, t), (eci[keep], et[keep]))
        add("sms", ci, t)
        ci, t = poisson(rate_of["support_contact"] * act * noise())
        bci, bt = _bursts(rng, np.full(m, 0.002), t0, stop, (2.0, 7.0), 0.8)
        ci, t = np.concatenate([ci, bci]), np.concatenate([t, bt])
        topic = rng.choice(len(TELECOM_TOPICS), size=len(ci), p=[0.35, 0.25, 0.12, 0.12, 0.06, 0.10])
        add("support_contact", ci, t, category=topic)
        # roaming trips of travellers, and more of frequent travellers
        rci, rt = _bursts(rng, np.where(a["traveler"][sl], 0.006, 0.0), t0, stop, (4.0, 14.0), 1.2)
        rci, rt = cat((rci, rt), _bursts(brng, np.where(trait["frequent_traveller"], TRIP_RATE, 0.0),
                                         t0, stop, (3.0, 9.0), 1.0))
        add("roaming", rci, rt, quantity=np.round(rng.lognormal(np.log(150), 0.8, len(rci)), 1))

    else:  # ecommerce
        a = c.attrs
        cw, cw_new = a["category_weights"][sl], a["category_weights_new"][sl]
        shifter, downtrader = trait["category_shifter"], trait["downtrader"]

        def categories(g, ci, t):
            """Product category of each event; a category shifter's new preferences from its change day."""
            k = _sample_rows(g, cw, ci)
            moved = shifter[ci] & (t >= change_at[ci])
            if moved.any():
                k[moved] = _sample_rows(brng, cw_new, ci[moved])
            return k

        def purchases(g, ci, t):
            """Purchase events (and the returns that follow some of them)."""
            k = categories(g, ci, t)
            items = 1 + g.poisson(0.6, len(ci))
            unit = SHOP_PRICE[k] * c.value[sl][ci] * g.lognormal(-0.2, 0.6, len(ci))
            # a downtrader's baskets shrink from its change day on
            unit = unit * np.where(downtrader[ci] & (t >= change_at[ci]), DOWNTRADE_FACTOR, 1.0)
            amount = np.round(items * unit, 2)
            disc = g.random(len(ci)) < a["discount_prop"][sl][ci]
            discount = np.where(disc, np.round(amount * g.uniform(0.05, 0.3, len(ci)), 2), np.nan)
            add("purchase", ci, t, amount=amount, quantity=items.astype(float), category=k, discount=discount)
            # returns follow some purchases, 2-30 days later (before the end)
            ret = g.random(len(ci)) < a["return_prop"][sl][ci]
            rt = t[ret] + g.uniform(2, 30, ret.sum())
            okr = rt < H
            rci = ci[ret][okr]
            add("return", rci, rt[okr], amount=np.round(amount[ret][okr] * g.uniform(0.3, 1.0, okr.sum()), 2),
                category=k[ret][okr])

        # value events: purchases; bargain hunters buy BARGAIN_EXTRA as often again (with a
        # discount, as always)
        r_buy = rate_of["purchase"] * act * noise()
        own = cat(value_times(r_buy), (act_ci, act_t))
        extra = value_times(np.where(trait["bargain_hunter"], BARGAIN_EXTRA * r_buy, 0.0), brng)
        set_stop(_stop_after(*cat(own, extra), m, k_drop, t1))
        purchases(rng, *before_stop(*own))
        purchases(brng, *before_stop(*extra))
        # other events
        for tname, is_value, rate in types:
            if is_value or rate == 0:
                continue
            r = rate * act * noise()
            if tname == "view":
                r = r * a["browse_ratio"][sl]
            ci, t = poisson(r)
            if tname in ("view", "cart"):
                add(tname, ci, t, category=categories(rng, ci, t))
            else:  # support_contact
                bci, bt = _bursts(rng, np.full(m, 0.0015), t0, stop, (2.0, 7.0), 0.8)
                ci, t = np.concatenate([ci, bci]), np.concatenate([t, bt])
                topic = rng.choice(len(SHOP_TOPICS), size=len(ci), p=[0.35, 0.2, 0.15, 0.1, 0.2])
                add(tname, ci, t, category=len(SHOP_CATEGORIES) + topic)
        # cart abandoners fill ~4 carts a month, window shoppers view ~24 products a month, both
        # from their start to the end, whether they still buy or not
        for tname, flag, rate in (("cart", "cart_abandoner", ABANDONER_CART_RATE),
                                  ("view", "window_shopper", WINDOW_SHOPPER_VIEW_RATE)):
            ci, t = _poisson_span(brng, np.where(trait[flag], rate, 0.0) * noise(g=brng), t0, hend)
            add(tname, ci, t, category=categories(brng, ci, t))

    cols = [np.concatenate([p[i] for p in parts]) for i in range(7)]
    tcode, ci, t, amount, quantity, category, discount = cols
    inside = (t >= 0) & (t < H)
    cols = [col[inside] for col in cols]
    tcode, ci, t, amount, quantity, category, discount = cols
    # seconds: the event's day, and a time of day drawn from HOUR_WEIGHTS
    day = np.floor(t).astype(np.int64)
    hour = np.searchsorted(HOUR_CDF, rng.random(len(day)), side="right").clip(0, 23)
    secs = day * 86400 + hour * 3600 + rng.integers(0, 3600, len(day))
    order = np.argsort(secs, kind="stable")
    return (tcode[order], ci[order] + lo, secs[order], amount[order], quantity[order],
            category[order], discount[order])


def _txn_table(c: OrgCustomers, ev, counter: int, t0_sec: np.datetime64, text_ts: bool) -> pa.Table:
    tcode, ci, secs, amount, quantity, category, discount = ev
    n = len(ci)
    tnames = pa.array([t[0] for t in INDUSTRY_TYPES[c.org_type]])
    vocab = pa.array(CATEGORY_VOCAB[c.org_type])
    ts = pa.array(t0_sec + secs.astype("timedelta64[s]")).cast(pa.timestamp("us"))
    occurred = pc.strftime(ts.cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S") if text_ts else ts
    return pa.table({
        "transaction_id": _txn_ids(counter, n),
        "customer_id": c.customer_id_arrow().take(pa.array(ci)),
        "occurred_at": occurred,
        "transaction_type": tnames.take(pa.array(tcode)),
        "amount": pa.array(amount, pa.float64(), from_pandas=True),
        "quantity": pa.array(quantity, pa.float64(), from_pandas=True),
        "category": vocab.take(pa.array(category.astype(np.int64), mask=category < 0)),
        "discount_amount": pa.array(discount, pa.float64(), from_pandas=True),
    })


# --------------------------------------------------------------------------------------------
# churn scores
# --------------------------------------------------------------------------------------------

def _banded_scores(rng: np.random.Generator, risk: np.ndarray, shares) -> tuple[np.ndarray, np.ndarray]:
    """Exact band counts; bands given by rank of latent risk; score uniform in band (4 dp)."""
    n = len(risk)
    counts = _exact_counts(n, shares)
    order = np.lexsort((np.arange(n), risk))
    band = np.empty(n, dtype=np.int64)
    band[order] = np.repeat(np.arange(4), counts)
    lo = np.array([round(b[0] * 10000) for b in CHURN_BANDS])[band]
    hi = np.array([round(b[1] * 10000) for b in CHURN_BANDS])[band]
    score = rng.integers(lo, hi + 1) / 10000.0
    return band, score


def churn_predictions_table(c: OrgCustomers, seed: int, org_index: int, end: np.datetime64,
                            history_days: int) -> pa.Table:
    rng = _child_rng(seed, org_index, 1)
    _, latest = _banded_scores(rng, c.risk, PREDICTION_BAND_SHARES[c.org_type])
    H = float(history_days)
    rows_ci, rows_p, rows_t = [np.arange(c.n)], [latest], [np.full(c.n, H - 1.0)]
    extra = rng.choice(3, size=c.n, p=[0.5, 0.35, 0.15])  # 0, 1 or 2 older predictions
    worsening = np.isin(c.persona, [i for i, p in enumerate(PERSONAS) if p.name in ("declining", "at_risk", "lapsed")])
    for k in (1, 2):
        batch_day = H - 1.0 - 30.0 * k
        ci = np.flatnonzero((extra >= k) & (c.t0 < batch_day))
        drift = np.where(worsening[ci], -rng.uniform(0.1, 0.35, len(ci)) * k, rng.normal(0, 0.06, len(ci)))
        p = np.clip(np.round(latest[ci] + drift, 4), 0.0005, 0.9995)
        rows_ci.append(ci), rows_p.append(p), rows_t.append(np.full(len(ci), batch_day))
    ci, p, t = (np.concatenate(x) for x in (rows_ci, rows_p, rows_t))
    secs = (t * 86400).astype(np.int64) + 7200 + rng.integers(0, 3600, len(ci))
    # A quarterly model run QUARTERLY_BATCH_DAYS before the end date, for every customer active
    # then (its own random stream, so the batches above stay as they were): the scores the
    # backtest of the churn_prediction source finds before its calibration date.
    qrng = _child_rng(seed, org_index, 5)
    q_day = H - 1.0 - QUARTERLY_BATCH_DAYS
    qci = np.flatnonzero(c.t0 < q_day)
    drift = np.where(worsening[qci], -qrng.uniform(0.05, 0.2, len(qci)), qrng.normal(0, 0.08, len(qci)))
    qp = np.clip(np.round(latest[qci] + drift, 4), 0.0005, 0.9995)
    qsecs = np.full(len(qci), int(q_day * 86400)) + 7200 + qrng.integers(0, 3600, len(qci))
    ci, p, t, secs = (np.concatenate(x) for x in ((ci, qci), (p, qp), (t, np.full(len(qci), q_day)), (secs, qsecs)))
    day0 = end - np.timedelta64(history_days - 1, "D")
    ts = pa.array(day0.astype("datetime64[s]") + secs.astype("timedelta64[s]")).cast(pa.timestamp("us"))
    tbl = pa.table({
        "customer_id": c.customer_id_arrow().take(pa.array(ci)),
        "churn_probability": pa.array(p, pa.float64()),
        "predicted_at": ts,
    })
    return tbl.take(pa.array(np.lexsort((ci, t))))


def upload_rows(c: OrgCustomers, seed: int, org_index: int) -> list[tuple[str, str]]:
    rng = _child_rng(seed, org_index, 2)
    _, score = _banded_scores(rng, c.risk, UPLOAD_BAND_SHARES)
    return [(e, f"{s:.4f}") for e, s in zip(c.external_id.tolist(), score.tolist())]


# --------------------------------------------------------------------------------------------
# --bad rows
# --------------------------------------------------------------------------------------------

BAD_ORG_UNKNOWN_TYPE = "8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b04"
BAD_ORG_DUPLICATE = "8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b05"
NULL_TYPE_ORG = "8a1f5e2c-4b6d-4c1e-9a37-1f2e3d4c5b06"
UNKNOWN_ORG = "00000000-0000-4000-8000-000000000000"
WRONG_TYPE = {"banking": "purchase", "telecom": "login", "ecommerce": "call"}
VALUE_TYPE = {"banking": "transaction", "telecom": "bill_payment", "ecommerce": "purchase"}
QTY_TYPE = {"banking": "login", "telecom": "data_usage", "ecommerce": "purchase"}


class BadRows:
    """Collects the deliberately broken (and the valid-but-odd) rows and their manifest."""

    def __init__(self, seed: int, end: np.datetime64):
        self.rng = _child_rng(seed, 99)
        self.end = end
        self.manifest: list[dict] = []
        self.rows: dict[str, list[dict]] = {t: [] for t in ("organizations", "customers", "transactions",
                                                             "churn_predictions")}
        self.upload: list[tuple[str, str]] = []

    def uuid(self) -> str:
        return str(_uuid4_strings(self.rng, 1)[0])

    def note(self, table, kind, expected, reason, key, org=None):
        """A manifest entry. expected: `rejected` (a data_quality_rejects row), `upload_error` (a
        segmentation_errors row, also rejected) or `valid` (must NOT be rejected). For the first two,
        reason is the expected reason_code; for `valid` rows it says why the row is fine."""
        entry = {"table": table, "kind": kind, "expected": expected, "key": key, "organization_id": org}
        entry["reason_code" if expected != "valid" else "note"] = reason
        self.manifest.append(entry)

    def add(self, table, row, kind, expected, reason, key, org=None):
        self.rows[table].append(row)
        self.note(table, kind, expected, reason, key, org)

    def ts(self, days_before_end: int, hour: int = 12) -> str:
        d = self.end - np.timedelta64(days_before_end, "D")
        return f"{d} {hour:02d}:00:00"


def build_bad_rows(bad: BadRows, orgs: dict[str, OrgCustomers], samples: dict[str, dict]) -> None:
    # ---- organizations
    bad.add("organizations", {"organization_id": None, "name": "Orphan Org", "org_type": "banking"},
            "missing_organization_id", "rejected", "missing_organization_id", {"name": "Orphan Org"})
    bad.add("organizations", {"organization_id": BAD_ORG_UNKNOWN_TYPE, "name": "Acme Insurance", "org_type": "insurance"},
            "unknown_org_type", "rejected", "unknown_org_type", {"organization_id": BAD_ORG_UNKNOWN_TYPE},
            BAD_ORG_UNKNOWN_TYPE)
    for name, typ in (("Twin Org A", "banking"), ("Twin Org B", "ecommerce")):
        bad.add("organizations", {"organization_id": BAD_ORG_DUPLICATE, "name": name, "org_type": typ},
                "duplicate_organization_id", "rejected", "duplicate_organization_id",
                {"organization_id": BAD_ORG_DUPLICATE, "name": name}, BAD_ORG_DUPLICATE)
    bad.add("organizations", {"organization_id": NULL_TYPE_ORG, "name": "Blank Type Mobile", "org_type": None},
            "null_org_type_is_telecom", "valid", "org_type NULL means telecom", {"organization_id": NULL_TYPE_ORG},
            NULL_TYPE_ORG)

    bank = orgs["banking"]
    bank_id = bank.org_id

    def cust(cid, org, ext, kind, expected, reason, key=None):
        row = {"customer_id": cid, "organization_id": org, "external_id": ext,
               "signup_date": (bad.end - np.timedelta64(100, "D")).astype(object), "plan_allowance_mb": None}
        bad.add("customers", row, kind, expected, reason, key or {"customer_id": cid, "external_id": ext}, org)

    # ---- customers
    cust(None, bank_id, "BAD_CUST_001", "missing_customer_id", "rejected", "missing_customer_id")
    cust(bad.uuid(), None, "BAD_CUST_002", "missing_organization", "rejected", "missing_organization_id")
    cust(bad.uuid(), UNKNOWN_ORG, "BAD_CUST_003", "unknown_organization", "rejected", "unknown_organization")
    cust(bad.uuid(), BAD_ORG_UNKNOWN_TYPE, "BAD_CUST_004", "rejected_organization", "rejected", "rejected_organization")
    cust(bad.uuid(), BAD_ORG_DUPLICATE, "BAD_CUST_005", "rejected_organization", "rejected", "rejected_organization")
    dup_cid = bad.uuid()
    for ext in ("BAD_CUST_006", "BAD_CUST_007"):
        cust(dup_cid, bank_id, ext, "duplicate_customer_id", "rejected", "duplicate_customer_id")
    for _ in range(2):
        cust(bad.uuid(), bank_id, "BAD_CUST_DUP_EXT", "duplicate_external_id", "rejected", "duplicate_external_id")
    padded_cid = bad.uuid()
    cust(f"  {padded_cid} ", f" {bank_id}  ", "BAD_CUST_008", "padded_ids", "valid",
         "ids are trimmed", {"customer_id": padded_cid, "external_id": "BAD_CUST_008"})
    null_type_customers = [bad.uuid(), bad.uuid()]
    for i, cid in enumerate(null_type_customers):
        cust(cid, NULL_TYPE_ORG, f"CUST_{i + 1:05d}", "customer_of_null_type_org", "valid", "valid customer")

    # ---- transactions
    counter = [0]

    def txn(tid, cid, ts, ttype, kind, expected, reason, org, amount=None, quantity=None, category=None, key=None):
        if tid is None and key is None:
            key = {"transaction_id": None, "customer_id": cid, "occurred_at": ts}
        row = {"transaction_id": tid, "customer_id": cid, "occurred_at": ts, "transaction_type": ttype,
               "amount": amount, "quantity": quantity, "category": category, "discount_amount": None}
        bad.add("transactions", row, kind, expected, reason, key or {"transaction_id": tid}, org)

    def new_tid(tag):
        counter[0] += 1
        return f"TXN_BAD_{tag}_{counter[0]:03d}"

    txn(new_tid("DUPC"), dup_cid, bad.ts(20), "login", "transaction_of_rejected_customer", "rejected",
        "unknown_customer", bank_id)
    txn(new_tid("NULLORG"), null_type_customers[0], bad.ts(10), "data_usage", "event_of_null_type_org", "valid",
        "valid event", NULL_TYPE_ORG, quantity=120.0)
    txn(new_tid("NULLORG"), null_type_customers[0], bad.ts(5), "topup", "event_of_null_type_org", "valid",
        "valid event", NULL_TYPE_ORG, amount=20.0)
    txn(new_tid("NULLORG"), null_type_customers[1], bad.ts(40), "bill_payment", "event_of_null_type_org", "valid",
        "valid event", NULL_TYPE_ORG, amount=30.0, quantity=0.0)
    txn(new_tid("PADC"), padded_cid, bad.ts(3), "transaction", "event_of_padded_customer", "valid",
        "valid event", bank_id, amount=75.0, category="checking")

    for org_type, c in orgs.items():
        oid = c.org_id
        cid = c.customer_id[0]
        vt, qt = VALUE_TYPE[org_type], QTY_TYPE[org_type]
        txn(None, cid, bad.ts(10), "support_contact", "missing_transaction_id", "rejected", "missing_transaction_id", oid)
        txn(new_tid("NOCUST"), None, bad.ts(10), vt, "missing_customer_id", "rejected", "missing_customer_id", oid, amount=10.0)
        txn(new_tid("UNKCUST"), bad.uuid(), bad.ts(10), vt, "unknown_customer", "rejected", "unknown_customer", oid, amount=10.0)
        txn(new_tid("NOTS"), cid, None, vt, "missing_timestamp", "rejected", "missing_occurred_at", oid, amount=10.0)
        txn(new_tid("BADTS"), cid, "not-a-date", vt, "unparseable_timestamp", "rejected", "invalid_occurred_at",
            oid, amount=10.0)
        txn(new_tid("FUTURE"), cid, "2099-01-01 00:00:00", vt, "future_timestamp", "rejected", "future_occurred_at",
            oid, amount=10.0)
        txn(new_tid("WRONGTYPE"), cid, bad.ts(10), WRONG_TYPE[org_type], "unknown_transaction_type", "rejected",
            "unknown_transaction_type", oid, amount=10.0)
        txn(new_tid("NEGAMT"), cid, bad.ts(10), vt, "negative_amount", "rejected", "negative_amount", oid, amount=-50.0)
        txn(new_tid("NEGQTY"), cid, bad.ts(10), qt, "negative_quantity", "rejected", "negative_quantity", oid,
            quantity=-2.0)
        # duplicate ids: a later copy of an existing transaction (the copy is rejected) ...
        s = samples[org_type]
        later = (np.datetime64(s["occurred_at"]) + np.timedelta64(3600, "s")).astype("datetime64[s]")
        txn(s["transaction_id"], s["customer_id"], str(later).replace("T", " "), s["transaction_type"],
            "duplicate_transaction_id_later_copy", "rejected", "duplicate_transaction_id", oid,
            amount=s["amount"], quantity=s["quantity"], category=s["category"],
            key={"transaction_id": s["transaction_id"], "occurred_at": str(later).replace("T", " ")})
        # ... a pair where the row later in the file is the earlier event (the first row is rejected) ...
        tid = new_tid("DUPORDER")
        txn(tid, cid, bad.ts(12, 15), "support_contact", "duplicate_transaction_id_earlier_in_file", "rejected",
            "duplicate_transaction_id", oid, key={"transaction_id": tid, "occurred_at": bad.ts(12, 15)})
        txn(tid, cid, bad.ts(12, 9), "support_contact", "duplicate_transaction_id_kept", "valid",
            "first by occurred_at", oid, key={"transaction_id": tid, "occurred_at": bad.ts(12, 9)})
        # ... and a pair with equal timestamps (raw order decides: the second row is rejected)
        tid = new_tid("DUPSAME")
        txn(tid, cid, bad.ts(14), "support_contact", "duplicate_transaction_id_same_time_kept", "valid",
            "first in raw order", oid, category="general", key={"transaction_id": tid, "raw_position": 1})
        txn(tid, cid, bad.ts(14), "support_contact", "duplicate_transaction_id_same_time", "rejected",
            "duplicate_transaction_id", oid, category="general", key={"transaction_id": tid, "raw_position": 2})
        # valid rows that need normalisation
        pad_type = {"banking": " LOGIN ", "telecom": "Data_Usage ", "ecommerce": " View"}[org_type]
        tid = new_tid("NORM")
        txn(tid, cid, bad.ts(9), pad_type, "transaction_type_needs_normalisation", "valid", "trimmed, lower-cased",
            oid, quantity=50.0 if org_type == "telecom" else None)
        tid = new_tid("NORM")
        cat = {"banking": " Savings ", "telecom": " BILLING", "ecommerce": "Books "}[org_type]
        ttype = {"banking": "transaction", "telecom": "support_contact", "ecommerce": "purchase"}[org_type]
        amt = None if org_type == "telecom" else 42.5
        qty = 1.0 if org_type == "ecommerce" else None
        txn(f" {tid}  ", f"  {c.customer_id[1]} ", bad.ts(8), ttype, "padded_ids_and_category", "valid",
            "trimmed", oid, amount=amt, quantity=qty, category=cat, key={"transaction_id": tid})

    # ---- churn predictions (banking, ecommerce)
    for org_type in ("banking", "ecommerce"):
        c = orgs[org_type]
        oid = c.org_id
        at_end = np.datetime64(f"{bad.end}T23:30:00").astype("datetime64[us]")

        def pred(cid, p, at, kind, expected, reason, key_cid=None):
            bad.add("churn_predictions", {"customer_id": cid, "churn_probability": p,
                                                "predicted_at": None if at is None else at.astype(object)},
                    kind, expected, reason, {"customer_id": key_cid or cid}, oid)

        pred(bad.uuid(), 0.5, at_end, "unknown_customer", "rejected", "unknown_customer")
        pred(c.customer_id[2], 0.91, None, "null_predicted_at", "rejected", "missing_predicted_at")
        pred(c.customer_id[2], None, at_end, "missing_probability", "rejected", "missing_churn_probability")
        pred(c.customer_id[3], 1.2, at_end, "probability_above_one", "rejected", "invalid_churn_probability")
        pred(c.customer_id[3], -0.05, at_end, "probability_below_zero", "rejected", "invalid_churn_probability")
        older = (bad.end - np.timedelta64(200, "D")).astype("datetime64[us]")
        pred(f" {c.customer_id[4]}  ", 0.42, older, "padded_customer_id", "valid", "trimmed", c.customer_id[4])
        tie_at = np.datetime64(f"{bad.end}T23:00:00").astype("datetime64[us]")
        for p in (0.2, 0.6):
            pred(c.customer_id[5], p, tie_at, "predicted_at_tie", "valid", "larger probability wins on a tie")

    # ---- upload (telecom)
    tel = orgs["telecom"]
    oid = tel.org_id

    def up(ref, score, kind, expected, reason):
        bad.upload.append((ref, score))
        bad.note("churn_upload", kind, expected, reason, {"customer_id": ref, "churn_score": score}, oid)

    up("CUST_NOT_A_CUSTOMER", "0.4", "unknown_customer", "upload_error", "customer_not_found")
    up(tel.external_id[0], "abc", "non_numeric_score", "upload_error", "invalid_churn_score")
    up(tel.external_id[1], "1.5", "score_above_one", "upload_error", "churn_score_out_of_range")
    up(tel.external_id[1], "-0.1", "score_below_zero", "upload_error", "churn_score_out_of_range")
    up(tel.external_id[0], "", "empty_score", "upload_error", "missing_churn_score")
    up(tel.external_id[2], "0.9100", "conflicting_scores", "upload_error", "conflicting_churn_scores")


def apply_bad_upload(bad: BadRows, rows: list[tuple[str, str]], tel: OrgCustomers) -> list[tuple[str, str]]:
    """The telecom upload with the bad / odd rows (see the module docstring)."""
    rows = list(rows)
    oid = tel.org_id
    ext = tel.external_id
    # the conflicting customer's own row is rejected too
    own = rows[2]
    if own[1] == "0.9100":  # must differ from the conflicting row
        own = rows[2] = (own[0], "0.9200")
    bad.note("churn_upload", "conflicting_scores", "upload_error", "conflicting_churn_scores",
             {"customer_id": own[0], "churn_score": own[1]}, oid)
    # an exact duplicate row (not an error), a 0.5 / 0.50 pair (counts once)
    rows.append(rows[3])
    bad.note("churn_upload", "exact_duplicate_row", "valid", "an exact duplicate counts once",
             {"customer_id": rows[3][0], "churn_score": rows[3][1]}, oid)
    rows[4] = (ext[4], "0.5")
    rows.append((ext[4], "0.50"))
    bad.note("churn_upload", "numerically_equal_scores", "valid", "0.5 and 0.50 count once",
             {"customer_id": ext[4]}, oid)
    # a padded external id and a row keyed by the customer UUID
    rows[5] = (f" {ext[5]} ", rows[5][1])
    bad.note("churn_upload", "padded_external_id", "valid", "trimmed", {"customer_id": rows[5][0]}, oid)
    rows[6] = (tel.customer_id[6], rows[6][1])
    bad.note("churn_upload", "keyed_by_customer_uuid", "valid", "a customer UUID also matches",
             {"customer_id": rows[6][0]}, oid)
    return rows + bad.upload


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------

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
    w = TableWriter(out / f"{name}.{fmt}", table.schema, fmt)
    w.write(table)
    w.close()
    return table.num_rows


def _rows_to_table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Generate the synthetic raw data (organizations, customers, transactions, "
                    "churn_predictions) and the telecom churn upload CSV. See the module docstring "
                    "for the personas and for what --bad adds.")
    p.add_argument("--customers", type=int, default=10000, help="customers per organisation (default 10000)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--out", default="data/raw", help="output directory of the raw tables (default data/raw)")
    p.add_argument("--upload", default="seeds/synthetic_churn_predictions.csv",
                   help="path of the uploaded churn CSV (default seeds/synthetic_churn_predictions.csv)")
    p.add_argument("--bad", action="store_true",
                   help="add rows of every rejection kind of rules section 10 (+ bad_rows_manifest.json)")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="raw file format")
    p.add_argument("--end-date", default=DEFAULT_END_DATE,
                   help=f"date of the last event, YYYY-MM-DD (default {DEFAULT_END_DATE}; "
                        "the project's default as_of_date is the day after). With very few customers "
                        "the latest event may fall a little earlier.")
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
    print(f"generating {args.customers} customers x {len(ORGANIZATIONS)} organisations, seed {args.seed}, "
          f"{H} days up to {end} -> {out} ({fmt})", flush=True)

    orgs: dict[str, OrgCustomers] = {}
    for i, (oid, _name, otype) in enumerate(ORGANIZATIONS):
        orgs[otype] = make_customers(i, oid, otype, args.customers, args.seed, H)

    counts: dict[str, int] = {}
    text_ts = args.bad
    txn_schema = TXN_SCHEMA_TEXT if text_ts else TXN_SCHEMA_TS
    tw = TableWriter(out / f"transactions.{fmt}", txn_schema, fmt)
    counter = 0
    samples: dict[str, dict] = {}
    for i, (oid, _name, otype) in enumerate(ORGANIZATIONS):
        c = orgs[otype]
        n_chunks = (c.n + CHUNK_CUSTOMERS - 1) // CHUNK_CUSTOMERS
        for k in range(n_chunks):
            lo, hi = k * CHUNK_CUSTOMERS, min(c.n, (k + 1) * CHUNK_CUSTOMERS)
            ev = _events_for_chunk(c, lo, hi, _child_rng(args.seed, i, 10 + k), float(H),
                                   _child_rng(args.seed, i, 10 + k, 1))
            tbl = _txn_table(c, ev, counter, day0_sec, text_ts)
            counter += tbl.num_rows
            if k == 0 and tbl.num_rows:
                # an event not on the last day, to copy as a duplicate id with --bad
                j = min(tbl.num_rows // 2, tbl.num_rows - 1)
                row = tbl.slice(j, 1).to_pylist()[0]
                row["occurred_at"] = str(ev[2][j] .astype("timedelta64[s]") + day0_sec)
                samples[otype] = row
            tw.write(tbl)
            print(f"  {otype}: customers {hi}/{c.n}, transactions so far {tw.rows}", flush=True)

    bad = BadRows(args.seed, end) if args.bad else None
    if bad:
        build_bad_rows(bad, orgs, samples)
        tw.write(_rows_to_table(bad.rows["transactions"], txn_schema))
    tw.close()
    counts["transactions"] = tw.rows

    org_rows = [{"organization_id": oid, "name": name, "org_type": otype} for oid, name, otype in ORGANIZATIONS]
    if bad:
        for r, typ in zip(org_rows, (" Banking ", " Telecom", "ECOMMERCE")):
            r["org_type"] = typ
            bad.note("organizations", "org_type_needs_normalisation", "valid", "trimmed, lower-cased",
                     {"organization_id": r["organization_id"], "org_type": typ}, r["organization_id"])
        org_rows[0]["organization_id"] = f" {org_rows[0]['organization_id']}  "
        bad.note("organizations", "padded_organization_id", "valid", "trimmed",
                 {"organization_id": ORGANIZATIONS[0][0]}, ORGANIZATIONS[0][0])
        org_rows += bad.rows["organizations"]
    org_schema = pa.schema([("organization_id", pa.string()), ("name", pa.string()), ("org_type", pa.string())])
    counts["organizations"] = write_table(out, "organizations", _rows_to_table(org_rows, org_schema), fmt)

    cust_tables = [customers_table(orgs[t], end, H) for _, _, t in ORGANIZATIONS]
    if bad:
        cust_tables.append(_rows_to_table(bad.rows["customers"], cust_tables[0].schema))
    counts["customers"] = write_table(out, "customers", pa.concat_tables(cust_tables), fmt)

    pred_tables = [churn_predictions_table(orgs[t], args.seed, i, end, H)
                   for i, (_, _, t) in enumerate(ORGANIZATIONS) if t in PREDICTION_BAND_SHARES]
    if bad:
        pred_tables.append(_rows_to_table(bad.rows["churn_predictions"], pred_tables[0].schema))
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
        manifest = {"seed": args.seed, "customers_per_org": args.customers, "end_date": str(end),
                    "occurred_at_is_text": True, "rows": bad.manifest}
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
