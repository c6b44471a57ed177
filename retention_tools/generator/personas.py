"""The demo organisations, the personas and traits customers are drawn from, the industries'
transaction rates and vocabularies, and the customers themselves (make_customers)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from retention_tools.generator.sampling import child_rng, exact_counts, uuid4_strings
from retention_tools.project_vars import transaction_types, value_transaction_types

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
# Exact shares of the four bands, per organisation. The segments rank customers and read the
# churn risk level from these bands, so High + Critical (with the personas' latent risks) sets
# how many customers can be At Risk or Lost, and Low bounds Champions.
UPLOAD_BAND_SHARES = (0.41, 0.41, 0.10, 0.08)
PREDICTION_BAND_SHARES = {"banking": (0.41, 0.40, 0.11, 0.08), "ecommerce": (0.41, 0.40, 0.14, 0.05)}


@dataclass(frozen=True)
class Persona:
    name: str
    share: float
    activity: float  # median activity multiplier (log-normal, sigma 0.35)
    start: tuple[int, int]  # active from this many days before the end date (uniform)
    stop: tuple[int, int]  # active until this many days before the end date (0 = still active)
    ramp: tuple[float, float]  # activity multiplier at the start and at the stop of the span
    after: float  # rate factor of the other (non-value) events after the stop
    value: float  # median spend multiplier
    risk: float  # mean latent churn risk (ranked into bands)
    dropout: tuple[float, float]  # Beta(a, b) of the probability of dropping out after a value day
    contract: tuple[float, float]  # Beta(a, b) of a postpaid contract's monthly churn probability
    value_from: tuple[int, int] | None = None  # value events only from this many days before the end
    postpaid: float = 1.0  # telecom: factor on the probability of a contract (postpaid)
    joined: float = 0.0  # share of the persona's customers acquired during the history (see JOINED_BY)


# Customers acquired during the history window: within each persona exactly round(joined x
# count) customers start on a join day uniform between the history start and JOINED_BY days
# before the end date (their signup date), instead of inside the persona's start range.
JOINED_BY = 30
NO_DROPOUT = (0.0, 1.0)  # Beta(0, 1): probability 0, the customer stops at its stop only
PERSONAS = [
    # name, share, activity, start, stop, ramp, after, value, risk, dropout, contract
    Persona("champions", 0.13, 1.70, (400, 2500), (0, 0), (1.0, 1.0), 0.3, 1.5, 0.05, (0.3, 400.0), (0.5, 400.0)),
    Persona(
        "loyal", 0.253, 1.05, (300, 2500), (0, 0), (1.0, 1.0), 0.3, 1.1, 0.20, (0.3, 150.0), (0.5, 250.0), joined=0.4
    ),
    Persona(
        "potential", 0.11, 0.90, (90, 400), (0, 0), (0.3, 1.4), 0.3, 1.0, 0.20, (0.5, 8.0), (0.5, 12.0), joined=0.25
    ),
    Persona("new", 0.03, 0.90, (1, 29), (0, 0), (1.0, 1.0), 0.3, 0.9, 0.55, (0.5, 1.5), (0.5, 6.0)),
    Persona("promising", 0.06, 0.30, (60, 600), (0, 0), (1.0, 1.0), 0.3, 0.8, 0.60, (0.5, 1.5), (0.5, 6.0), (1, 14)),
    Persona(
        "occasional",
        0.155,
        0.30,
        (150, 1200),
        (0, 0),
        (1.0, 1.0),
        0.3,
        0.7,
        0.30,
        (0.5, 1.5),
        (0.5, 10.0),
        postpaid=0.5,
        joined=0.15,
    ),
    Persona(
        "declining",
        0.065,
        0.90,
        (300, 2500),
        (25, 60),
        (1.0, 1.0),
        0.30,
        1.0,
        0.45,
        NO_DROPOUT,
        NO_DROPOUT,
        postpaid=0.0,
    ),
    Persona(
        "at_risk", 0.03, 1.30, (300, 2500), (60, 180), (1.0, 1.0), 0.08, 3.0, 0.75, NO_DROPOUT, NO_DROPOUT, postpaid=0.0
    ),
    Persona("lapsed", 0.01, 0.20, (400, 2500), (200, 340), (1.0, 1.0), 0.02, 0.7, 0.85, NO_DROPOUT, NO_DROPOUT),
    Persona("dormant", 0.032, 0.40, (450, 2500), (370, 520), (1.0, 1.0), 0.04, 0.7, 0.90, NO_DROPOUT, NO_DROPOUT),
    Persona(
        "hibernating",
        0.125,
        0.08,
        (300, 2500),
        (130, 300),
        (1.0, 1.0),
        0.03,
        0.8,
        0.38,
        (1.0, 1.0),
        NO_DROPOUT,
        postpaid=0.0,
    ),
]
assert abs(sum(p.share for p in PERSONAS) - 1.0) < 1e-9
assert all(p.stop == (0, 0) and p.value_from is None for p in PERSONAS if p.joined), "joiners stay active"
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
BALANCE_WATCH_RATE = 0.25  # balance checks of a balance watcher
FRUSTRATION_EPISODE_RATE = 0.012  # support episodes of a frustrated customer
SWITCH_VOLUME = 2.5  # a switcher's calls and messages, times the usual
SWITCH_CALLS_KEPT = 0.2  # share of its calls a switcher still makes after its change day
SWITCH_SMS_PER_CALL = 1.5  # messages per call it no longer makes
BILL_SHOCK_COMPLAINT = 0.4  # probability of a billing complaint after a bill with an overage
LATE_PAYER_MAX_DAYS = 28  # a late payer pays most bills 8 to this many days late
TRIP_RATE = 0.025  # trips abroad of a frequent traveller
DOWNTRADE_FACTOR = 0.45  # basket value of a downtrader after its change day
BARGAIN_EXTRA = 1.0  # extra purchases of a bargain hunter (times its purchase rate)
ABANDONER_CART_RATE = 0.13  # carts of a cart abandoner
WINDOW_SHOPPER_VIEW_RATE = 0.8  # product views of a window shopper

# Behaviour traits per industry (see the module docstring for what each does and the risk
# signal of rules section 7 it drives). Probabilities per persona; the default for the rest.
TRAITS = {
    "banking": [
        # keeps checking the balance (~7 a month), also after it stopped transacting
        Trait(
            "balance_watcher",
            0.04,
            (
                ("declining", 0.35),
                ("at_risk", 0.20),
                ("occasional", 0.12),
                ("dormant", 0.10),
                ("hibernating", 0.05),
                ("lapsed", 0.05),
            ),
        ),
        # repeated support episodes (about one every 80 days, ~5 contacts each), up to a month
        # after it stops
        Trait(
            "frustrated",
            0.05,
            (
                ("declining", 0.30),
                ("new", 0.10),
                ("occasional", 0.08),
                ("at_risk", 0.0),
                ("lapsed", 0.0),
                ("dormant", 0.0),
                ("hibernating", 0.0),
            ),
        ),
    ],
    "telecom": [
        # talks a lot, then replaces most calls by messages from its change day on
        Trait("switcher", 0.04, (("champions", 0.15), ("loyal", 0.15), ("potential", 0.12), ("declining", 0.10))),
        # uses ~12% of its plan's data allowance
        Trait("light_user", 0.05, (("declining", 0.10), ("occasional", 0.08), ("new", 0.08))),
        # a trip abroad about every 40 days
        Trait("frequent_traveler", 0.04, (("champions", 0.12), ("loyal", 0.10), ("potential", 0.08))),
        # pays most bills 8-45 days late
        Trait(
            "late_payer",
            0.05,
            (("declining", 0.25), ("at_risk", 0.15), ("occasional", 0.08), ("promising", 0.08), ("new", 0.08)),
        ),
    ],
    "ecommerce": [
        # fills many carts (~4 a month) that it mostly does not buy
        Trait("cart_abandoner", 0.06, (("declining", 0.12), ("new", 0.10), ("promising", 0.10), ("potential", 0.08))),
        # buys (and browses) other categories from its change day on
        Trait("category_shifter", 0.06, (("champions", 0.25), ("loyal", 0.20), ("potential", 0.15))),
        # buys only with a discount, and twice as often as otherwise
        Trait(
            "bargain_hunter", 0.04, (("champions", 0.20), ("loyal", 0.18), ("potential", 0.15), ("occasional", 0.06))
        ),
        # its baskets shrink to ~45% of their value from its change day on
        Trait("downtrader", 0.06, (("declining", 0.30), ("champions", 0.15), ("loyal", 0.15), ("potential", 0.10))),
        # browses a lot (~20-25 views a month), also after it stopped buying
        Trait(
            "window_shopper",
            0.02,
            (
                ("occasional", 0.12),
                ("declining", 0.20),
                ("at_risk", 0.10),
                ("dormant", 0.10),
                ("new", 0.10),
                ("promising", 0.08),
                ("hibernating", 0.04),
                ("lapsed", 0.05),
            ),
        ),
        # returns 40-80% of its purchases
        Trait("serial_returner", 0.05, (("champions", 0.12), ("loyal", 0.12), ("potential", 0.10))),
    ],
}

# Per industry, the rate per day at activity 1 of each transaction type (the Poisson part;
# periodic events, bursts and returns are made separately).
TYPE_RATES = {
    "banking": {
        "login": 0.19,
        "transaction": 0.09,
        "feature_use": 0.03,
        "balance_check": 0.06,
        "support_contact": 0.004,
    },
    "telecom": {
        "data_usage": 0.0,
        "call": 0.11,
        "sms": 0.055,
        "roaming": 0.0,
        "bill_payment": 0.0,
        "topup": 0.0,
        "support_contact": 0.004,
    },
    "ecommerce": {"view": 0.20, "cart": 0.04, "purchase": 0.035, "return": 0.0, "support_contact": 0.003},
}
# Per industry, its transaction types in order: the project's var transaction_types (which of
# them are value events is var value_transaction_types).
INDUSTRY_TYPES = transaction_types()
VALUE_TYPES = value_transaction_types()
assert {k: sorted(v) for k, v in INDUSTRY_TYPES.items()} == {k: sorted(v) for k, v in TYPE_RATES.items()}, (
    "the generator's TYPE_RATES must cover exactly the var transaction_types of dbt_project.yml"
)
BANK_PRODUCTS = ["checking", "credit_card", "savings", "investment", "loan", "mortgage"]
BANK_FEATURES = [
    "mobile_deposit",
    "bill_pay",
    "transfers",
    "budgeting",
    "card_controls",
    "alerts",
    "statements",
    "p2p_payments",
]
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
HOUR_WEIGHTS = np.array(
    [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 3.5, 4, 4, 4.2, 4.5, 4.2, 4, 4, 4.2, 4.5, 5, 5, 4.5, 3.5, 2.5, 1.6]
)
HOUR_CDF = np.cumsum(HOUR_WEIGHTS) / HOUR_WEIGHTS.sum()


@dataclass
class OrgCustomers:
    org_id: str
    org_type: str
    n: int
    customer_id: np.ndarray
    external_id: np.ndarray
    persona: np.ndarray  # index into PERSONAS
    t0: np.ndarray  # active span start, days from the history start (may be < 0)
    t1: np.ndarray  # active span stop (history_days = end of the end date)
    tv: np.ndarray  # start of value events (= t0 unless the persona has value_from)
    a0: np.ndarray
    a1: np.ndarray
    after_other: np.ndarray  # rate factor of the non-value events after the stop
    activity: np.ndarray
    value: np.ndarray
    risk: np.ndarray  # latent churn risk
    signup: np.ndarray  # days from the history start (float, NaN = NULL)
    dropout_days: np.ndarray  # a non-contractual customer drops out after this many value days
    contract_months: np.ndarray  # a postpaid customer pays this many monthly bills, then churns
    attrs: dict

    def customer_id_arrow(self) -> pa.Array:
        if "_ids" not in self.attrs:
            self.attrs["_ids"] = pa.array(self.customer_id, pa.string())
        return self.attrs["_ids"]


def _exact_members(rng: np.random.Generator, persona: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """A boolean per customer: within each persona exactly round(probability x persona count)
    customers (probabilities in the order of PERSONAS), chosen at random."""
    n = len(persona)
    sizes = np.bincount(persona, minlength=len(PERSONAS))
    starts = np.cumsum(sizes) - sizes
    k = np.floor(probabilities * sizes + 0.5).astype(np.int64)
    order = np.lexsort((rng.random(n), persona))  # grouped by persona, random inside
    pos = np.arange(n) - np.repeat(starts, sizes)  # position inside the persona group
    flag = np.zeros(n, dtype=bool)
    flag[order] = pos < k[persona[order]]
    return flag


def _assign_traits(rng: np.random.Generator, persona: np.ndarray, org_type: str) -> dict[str, np.ndarray]:
    """Per trait of the industry, a boolean per customer: within each persona exactly
    round(probability x persona count) customers, chosen at random."""
    return {trait.name: _exact_members(rng, persona, trait.probabilities()) for trait in TRAITS[org_type]}


def _draw_joiners(rng: np.random.Generator, persona: np.ndarray, H: float) -> tuple[np.ndarray, np.ndarray]:
    """The customers acquired during the history (exactly round(joined x count) per persona)
    and, for each customer, a join day in days before the end date: uniform between the
    history start and JOINED_BY days before the end date (used for the joiners only)."""
    joined = _exact_members(rng, persona, np.array([p.joined for p in PERSONAS]))
    join_ago = H - (H - JOINED_BY) * np.sqrt(rng.random(len(persona)))
    return joined, join_ago


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


def _per_customer(persona: np.ndarray, attr: str) -> np.ndarray:
    """Each customer's value of a Persona field (one row per customer for tuple fields)."""
    return np.array([getattr(p, attr) for p in PERSONAS])[persona]


def _draw_spans(
    rng: np.random.Generator, persona: np.ndarray, H: float, joined: np.ndarray, join_ago: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each customer's active span (t0 to t1) and the start of its value events (tv), in days from
    the history start: uniform inside its persona's start, stop and value_from ranges; a joiner
    starts on its join day (join_ago days before the end date)."""
    start_lo, start_hi = _per_customer(persona, "start").T
    stop_lo, stop_hi = _per_customer(persona, "stop").T
    start_ago = np.where(joined, join_ago, rng.uniform(start_lo, start_hi + 1))
    stop_ago = rng.uniform(stop_lo, stop_hi + 1e-9)
    stop_ago = np.where(stop_hi == 0, 0.0, stop_ago)
    t0 = H - start_ago
    t1 = H - stop_ago
    vf = np.array([p.value_from if p.value_from else (-1, -1) for p in PERSONAS])[persona]
    tv = np.where(vf[:, 0] >= 0, np.maximum(t0, H - rng.uniform(vf[:, 0], vf[:, 1] + 1)), t0)
    return t0, t1, tv


def _draw_signup(rng: np.random.Generator, t0: np.ndarray, H: float, joined: np.ndarray) -> np.ndarray:
    """signup_date in days from the history start: the start of the span, 2% registered 20-199
    days after they started (at most the day before the end date), 3% NULL (NaN); a joiner's is
    its join day."""
    n = len(t0)
    signup = np.floor(t0)
    late = (rng.random(n) < 0.02) & ~joined
    signup = np.where(late, np.minimum(signup + rng.integers(20, 200, n), H - 1), signup)
    return np.where((rng.random(n) < 0.03) & ~joined, np.nan, signup)


def _banking_attrs(rng: np.random.Generator, activity: np.ndarray) -> dict:
    """A bank customer's products held (with their weights), loan and mortgage repayments, and the
    online-banking features it uses."""
    n = len(activity)
    attrs: dict = {}
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
    return attrs


def _telecom_attrs(
    rng: np.random.Generator, activity: np.ndarray, value: np.ndarray, postpaid_factor: np.ndarray
) -> dict:
    """A telecom customer's plan, contract (postpaid) or prepaid, data use, travel, bill day,
    payment delays and liking for messages."""
    n = len(activity)
    attrs: dict = {}
    # bigger spenders take bigger plans
    plan = np.digitize(np.log(value) + rng.normal(0.0, 0.5, n), [-0.7, -0.15, 0.35, 0.85])
    attrs["plan"] = plan
    # engaged customers are more often on a contract (postpaid) than on prepaid
    attrs["postpaid"] = rng.random(n) < np.clip(activity - 0.1, 0.0, 0.85) * postpaid_factor
    attrs["utilisation"] = np.clip(rng.lognormal(np.log(0.55), 0.5, n), 0.03, 2.0)
    attrs["traveler"] = rng.random(n) < 0.15
    attrs["bill_phase"] = rng.uniform(0, 30.4, n)
    late_kind = rng.choice(3, size=n, p=[0.80, 0.15, 0.05])
    attrs["late_prob"] = np.array([0.05, 0.30, 0.70])[late_kind]
    attrs["late_max"] = np.array([5, 15, 25])[late_kind]
    attrs["sms_affinity"] = rng.gamma(2.0, 0.5, n)
    return attrs


def _ecommerce_attrs(rng: np.random.Generator, n: int) -> dict:
    """A shopper's category preferences and its shares of discounted and of returned purchases,
    and how much it browses."""
    attrs: dict = {}
    attrs["category_weights"] = rng.dirichlet(np.full(len(SHOP_CATEGORIES), 0.4), size=n) + 1e-9
    # share of purchases made with a discount (bargain hunters: all, see TRAITS); the first
    # two draws are unused but kept, so that the attributes drawn after them stay the same
    _, _, attrs["discount_prop"] = rng.random(n), rng.uniform(0.8, 1.0, n), rng.beta(2, 6, n)
    attrs["return_prop"] = rng.beta(1.5, 12, n)
    attrs["browse_ratio"] = rng.lognormal(0.0, 0.5, n)
    return attrs


def _apply_traits(trng: np.random.Generator, attrs: dict, persona: np.ndarray, org_type: str, H: float) -> None:
    """Adds to attrs the behaviour traits (attrs["traits"]), the day a switcher / category shifter
    / downtrader changes its habits, and the attributes the traits alter: telecom data use and
    late payments, e-commerce category preferences after the change, discounts and returns."""
    n = len(persona)
    traits = _assign_traits(trng, persona, org_type)
    attrs["traits"] = traits
    # the day a switcher / category shifter / downtrader changes its habits: 20-50 days before
    # the end date (days from the history start, like t0 and t1)
    attrs["change_at"] = H - trng.uniform(20.0, 50.0, n)
    if org_type == "telecom":
        # share of the plan's allowance used in a month: light users ~12%, the others ~90%
        light = traits["light_user"]
        attrs["utilisation"] = np.clip(
            np.where(light, trng.lognormal(np.log(0.12), 0.4, n), trng.lognormal(np.log(0.9), 0.25, n)), 0.02, 2.0
        )
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
        attrs["return_prop"] = np.where(traits["serial_returner"], trng.uniform(0.4, 0.8, n), attrs["return_prop"])


def make_customers(org_index: int, org_id: str, org_type: str, n: int, seed: int, history_days: int) -> OrgCustomers:
    """The n customers of one organisation: personas in their exact shares, each customer's span,
    activity, spend, latent risk, signup date, industry attributes, traits and churn counts."""
    rng = child_rng(seed, org_index, 0)
    H = float(history_days)
    counts = exact_counts(n, [p.share for p in PERSONAS])
    persona = rng.permutation(np.repeat(np.arange(len(PERSONAS)), counts))
    # The customers acquired during the history come from a stream of their own as well.
    joined, join_ago = _draw_joiners(child_rng(seed, org_index, 6), persona, H)
    t0, t1, tv = _draw_spans(rng, persona, H, joined, join_ago)
    ramp = _per_customer(persona, "ramp")
    activity = _per_customer(persona, "activity") * rng.lognormal(0.0, 0.35, n)
    value = _per_customer(persona, "value") * rng.lognormal(0.0, 0.35, n)
    risk = _per_customer(persona, "risk") + rng.normal(0.0, 0.12, n)
    signup = _draw_signup(rng, t0, H, joined)
    if org_type == "banking":
        attrs = _banking_attrs(rng, activity)
    elif org_type == "telecom":
        attrs = _telecom_attrs(rng, activity, value, _per_customer(persona, "postpaid"))
    else:
        attrs = _ecommerce_attrs(rng, n)

    attrs["joined"] = joined

    # Behaviour traits come from a stream of their own, so that the customers, their churn
    # scores and the upload do not depend on them.
    _apply_traits(child_rng(seed, org_index, 3), attrs, persona, org_type, H)

    # Churn (a stream of its own as well): a non-contractual customer drops out for good right
    # after a value day with probability p (Beta per persona), i.e. after a geometric number of
    # value days in the history window (counting from its first one there); a postpaid contract
    # is renewed every month with probability 1 - theta (Beta per persona), i.e. ends after a
    # geometric number of paid bills. Stopped personas stop at their stop anyway.
    drng = child_rng(seed, org_index, 4)
    dropout_days = _geometric_counts(drng, _per_customer(persona, "dropout"))
    contract_months = _geometric_counts(drng, _per_customer(persona, "contract"))

    width = max(5, len(str(n)))
    external_id = np.array([f"CUST_{i:0{width}d}" for i in range(1, n + 1)])
    return OrgCustomers(
        org_id,
        org_type,
        n,
        uuid4_strings(rng, n),
        external_id,
        persona,
        t0,
        t1,
        tv,
        ramp[:, 0],
        ramp[:, 1],
        _per_customer(persona, "after"),
        activity,
        value,
        risk,
        signup,
        dropout_days,
        contract_months,
        attrs,
    )


def customers_table(c: OrgCustomers, end: np.datetime64, history_days: int) -> pa.Table:
    day0 = end - np.timedelta64(history_days - 1, "D")
    signup = np.where(np.isnan(c.signup), 0, c.signup).astype(np.int64)
    signup_dates = pa.array(day0 + signup.astype("timedelta64[D]"), mask=np.isnan(c.signup))
    if c.org_type == "telecom":
        allowance = pa.array(PLANS_MB[c.attrs["plan"]])
    else:
        allowance = pa.nulls(c.n, pa.float64())
    return pa.table(
        {
            "customer_id": pa.array(c.customer_id, pa.string()),
            "organization_id": pa.array(np.full(c.n, c.org_id), pa.string()),
            "external_id": pa.array(c.external_id, pa.string()),
            "signup_date": signup_dates.cast(pa.date32()),
            "plan_allowance_mb": allowance,
        }
    )
