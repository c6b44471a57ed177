"""The events of a chunk of customers (events_for_chunk) and their transactions table.

A _Chunk holds the chunk's customers while their events are drawn (spans, rates, the two
random generators, each customer's stop, the events so far); one function per industry
(_banking_events, _telecom_events, _ecommerce_events) draws them phase by phase. The order of
the random draws is part of the output: moving one changes the generated data."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from retention_tools.generator.personas import (
    ABANDONER_CART_RATE,
    BALANCE_WATCH_RATE,
    BANK_FEATURES,
    BANK_TOPICS,
    BARGAIN_EXTRA,
    BILL_PERIOD,
    BILL_SHOCK_COMPLAINT,
    CATEGORY_VOCAB,
    DOWNTRADE_FACTOR,
    FRUSTRATION_EPISODE_RATE,
    HOUR_CDF,
    INDUSTRY_TYPES,
    NEVER,
    PLAN_PRICE,
    PLANS_MB,
    SHOP_PRICE,
    SHOP_TOPICS,
    SWITCH_CALLS_KEPT,
    SWITCH_SMS_PER_CALL,
    SWITCH_VOLUME,
    TELECOM_TOPICS,
    TRIP_RATE,
    TYPE_RATES,
    VALUE_TYPES,
    WINDOW_SHOPPER_VIEW_RATE,
    OrgCustomers,
)
from retention_tools.generator.sampling import bursts, periodic, poisson_span, sample_rows, transaction_ids


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


# Per industry, the shares of its support topics (in the order of BANK_TOPICS, TELECOM_TOPICS
# and SHOP_TOPICS).
BANK_TOPIC_SHARES = [0.25, 0.08, 0.2, 0.15, 0.1, 0.22]
TELECOM_TOPIC_SHARES = [0.35, 0.25, 0.12, 0.12, 0.06, 0.10]
SHOP_TOPIC_SHARES = [0.35, 0.2, 0.15, 0.1, 0.2]


def _concat(*events):
    """Several sets of events (customer index, time, ...) as one."""
    return tuple(np.concatenate(x) for x in zip(*events))


class _Chunk:
    """Customers [start, end) of an organisation while their events are drawn: their spans and
    rates, the two generators (`rng` for the events of the personas, `trait_rng` for the
    additions of the behaviour traits), each customer's stop and the events collected so far."""

    def __init__(
        self,
        customers: OrgCustomers,
        start: int,
        end: int,
        rng: np.random.Generator,
        history_days: float,
        trait_rng: np.random.Generator,
    ):
        rows = slice(start, end)
        self.customers, self.rows, self.start, self.n = customers, rows, start, end - start
        self.rng, self.trait_rng, self.history_days = rng, trait_rng, history_days
        self.history_end = np.full(self.n, history_days)
        self.t0 = np.maximum(customers.t0[rows], 0.0)
        self.t1 = np.maximum(customers.t1[rows], self.t0)
        self.tv = np.minimum(np.maximum(customers.tv[rows], 0.0), self.t1)
        self.a0v, self.a1v = self.ramp_at(self.tv), self.ramp_at(self.t1)
        self.activity = customers.activity[rows]
        self.value = customers.value[rows]
        self.after_rate = customers.after_other[rows]
        self.dropout_days = customers.dropout_days[rows]
        self.trait = {k: v[rows] for k, v in customers.attrs["traits"].items()}
        self.change_at = customers.attrs["change_at"][rows]
        self.type_names = INDUSTRY_TYPES[customers.org_type]
        self.rates = TYPE_RATES[customers.org_type]
        # made by the value-event simulation, not as Poisson noise
        self.value_types = set(VALUE_TYPES[customers.org_type])
        self.category_code = {v: i for i, v in enumerate(CATEGORY_VOCAB[customers.org_type])}
        self.parts = []  # (type code, customer index, time, amount, quantity, category code, discount)
        self.set_stop(self.t1)
        # activation: a value event on the day a customer starts (buying) inside the window
        self.starts_inside = customers.tv[rows] >= 0
        act_ci = np.flatnonzero(self.starts_inside)
        self.activation = (act_ci, customers.tv[rows][act_ci] + rng.random(len(act_ci)) * 0.5)

    def attr(self, name: str) -> np.ndarray:
        """The chunk's customers' values of an industry attribute (OrgCustomers.attrs)."""
        return self.customers.attrs[name][self.rows]

    def ramp_at(self, t: np.ndarray) -> np.ndarray:
        """The customers' activity ramp at time t. The ramp is defined over the whole span (also
        the part before the history window)."""
        c, rows = self.customers, self.rows
        a0, a1 = c.a0[rows], c.a1[rows]
        full = np.maximum(c.t1[rows] - c.t0[rows], 1e-9)
        return a0 + (a1 - a0) * (t - c.t0[rows]) / full

    def set_stop(self, stop: np.ndarray) -> None:
        """Each customer's stop: no value event from it on, other events at the `after` rate."""
        self.stop = stop
        self.a0w, self.a1w = self.ramp_at(self.t0), self.ramp_at(stop)

    def dropout_stop(self, *value_events) -> np.ndarray:
        """The stop of customers who drop out after their `dropout_days`-th value day among these
        value events (the persona stop for the others)."""
        return _stop_after(*_concat(*value_events), self.n, self.dropout_days, self.t1)

    def noise(self, shape: float = 3.0, g: np.random.Generator | None = None) -> np.ndarray:
        """A gamma factor of mean 1 per customer, spreading the customers' rates."""
        g = self.rng if g is None else g
        return g.gamma(shape, 1.0 / shape, self.n)

    def value_times(self, rate: np.ndarray, g: np.random.Generator | None = None):
        """Poisson value events over [tv, t1) (with the ramp); the stop cuts them later."""
        g = self.rng if g is None else g
        return poisson_span(g, rate, self.tv, self.t1, self.a0v, self.a1v)

    def other_times(self, rate: np.ndarray, g: np.random.Generator | None = None):
        """Poisson non-value events over the active span [t0, stop) (with the ramp) and, at the
        persona's `after` rate, from the stop to the end."""
        g = self.rng if g is None else g
        ci1, tt1 = poisson_span(g, rate, self.t0, self.stop, self.a0w, self.a1w)
        ci2, tt2 = poisson_span(g, rate * self.after_rate, self.stop, self.history_end)
        return np.concatenate([ci1, ci2]), np.concatenate([tt1, tt2])

    def other_types(self):
        """The industry's Poisson non-value event types, each with its rate per customer (type
        rate x activity x noise, the noise drawn when the type comes up)."""
        for tname, rate in self.rates.items():
            if tname not in self.value_types and rate != 0:
                yield tname, rate * self.activity * self.noise()

    def habit_times(self, flag: str, rate: float):
        """Events of a trait's habit: for the customers with trait `flag`, Poisson at `rate` a day
        (with noise) from their start to the end, whether they stopped or not."""
        g = self.trait_rng
        return poisson_span(g, np.where(self.trait[flag], rate, 0.0) * self.noise(g=g), self.t0, self.history_end)

    def before_stop(self, ci: np.ndarray, t: np.ndarray, *cols):
        """The events (customer index, time, other columns) before their customer's stop."""
        keep = t < self.stop[ci]
        return (ci[keep], t[keep]) + tuple(col[keep] for col in cols)

    def add(self, tname: str, ci, t, amount=None, quantity=None, category=None, discount=None) -> None:
        """Collect events of type `tname` (customer index, time in days); a column not given is
        NaN (no category: -1)."""
        k = len(ci)
        nan = np.full(k, np.nan)
        self.parts.append(
            (
                np.full(k, self.type_names.index(tname), dtype=np.int8),
                ci,
                t,
                nan if amount is None else amount,
                nan if quantity is None else quantity,
                np.full(k, -1, dtype=np.int16) if category is None else category.astype(np.int16),
                nan if discount is None else discount,
            )
        )

    def support_contacts(self, ci, t, g: np.random.Generator, topics: list[str], shares: list[float]) -> None:
        """Collect support contacts (customer index, time), each about a topic drawn (with g)
        with these shares."""
        topic = g.choice(len(topics), size=len(ci), p=shares)
        self.add("support_contact", ci, t, category=np.array([self.category_code[x] for x in topics])[topic])

    def routine_support(self, ci, t, episode_rate: float, topics: list[str], shares: list[float]) -> None:
        """Collect the Poisson support contacts (ci, t) and those of support episodes (2-7 days,
        ~0.8 contacts a day, at `episode_rate` a day while active), each about a topic."""
        bci, bt = bursts(self.rng, np.full(self.n, episode_rate), self.t0, self.stop, (2.0, 7.0), 0.8)
        self.support_contacts(np.concatenate([ci, bci]), np.concatenate([t, bt]), self.rng, topics, shares)

    def timestamped_events(self):
        """The collected events inside the history window as numpy columns (type code, customer
        index, seconds, amount, quantity, category code, discount), in time order: each event
        keeps its day and gets a time of day drawn from HOUR_WEIGHTS."""
        cols = [np.concatenate([part[i] for part in self.parts]) for i in range(7)]
        t = cols[2]
        inside = (t >= 0) & (t < self.history_days)
        tcode, ci, t, amount, quantity, category, discount = (col[inside] for col in cols)
        day = np.floor(t).astype(np.int64)
        hour = np.searchsorted(HOUR_CDF, self.rng.random(len(day)), side="right").clip(0, 23)
        secs = day * 86400 + hour * 3600 + self.rng.integers(0, 3600, len(day))
        order = np.argsort(secs, kind="stable")
        return tuple(col[order] for col in (tcode, ci + self.start, secs, amount, quantity, category, discount))


def events_for_chunk(
    customers: OrgCustomers,
    start: int,
    end: int,
    rng: np.random.Generator,
    history_days: float,
    trait_rng: np.random.Generator | None = None,
):
    """All events of customers [start, end) of an organisation, as numpy columns (type code,
    customer index, seconds from the history start, amount, quantity, category code, discount)
    in time order. `rng` draws the events of the personas, `trait_rng` (default: `rng`) the
    additions of the behaviour traits.

    The value events come first: their times over [start of value events, persona stop), then
    the customer's stop (the persona stop, or earlier where it drops out: after its
    `dropout_days`-th value day, or, postpaid, at the end of its `contract_months`-th paid
    month), then their amounts, only for those before the stop. No value event follows the stop.
    The other events run over the active span up to that stop and, at the persona's `after`
    rate, beyond it."""
    trait_rng = rng if trait_rng is None else trait_rng
    chunk = _Chunk(customers, start, end, rng, history_days, trait_rng)
    industry_events = {"banking": _banking_events, "telecom": _telecom_events, "ecommerce": _ecommerce_events}
    industry_events[customers.org_type](chunk)
    return chunk.timestamped_events()


# ------------------------------------------------------------------------------------------
# banking
# ------------------------------------------------------------------------------------------


def _banking_events(ch: _Chunk) -> None:
    """A bank's customers: transactions and loan / mortgage repayments (the value events, which
    set the stop), logins, feature use, balance checks, support contacts, and the traits'."""
    _banking_value_events(ch)
    _banking_other_events(ch)
    _banking_trait_events(ch)


def _banking_value_events(ch: _Chunk) -> None:
    """Card / account transactions (amount by product) and monthly loan / mortgage repayments;
    a customer drops out after its `dropout_days`-th value day among them."""
    rng = ch.rng
    tx = _concat(ch.value_times(ch.rates["transaction"] * ch.activity * ch.noise()), ch.activation)
    repay = {}
    for prod, flag in (("loan", "has_loan"), ("mortgage", "has_mortgage")):
        ci, t = periodic(rng, ch.attr(flag), ch.tv, ch.t1, ch.attr("repay_phase"))
        repay[prod] = (ci, t + rng.random(len(ci)) * 0.9)
    ch.set_stop(ch.dropout_stop(tx, *repay.values()))
    ci, t = ch.before_stop(*tx)
    prod = sample_rows(rng, ch.attr("product_weights"), ci)
    base = np.array([45.0, 60.0, 250.0, 500.0])[prod]
    sig = np.array([0.9, 0.9, 0.8, 0.9])[prod]
    amount = np.round(base * ch.value[ci] * rng.lognormal(0, 1, len(ci)) ** sig, 2)
    ch.add("transaction", ci, t, amount=amount, category=prod)
    for prod, column in (("loan", "loan_amount"), ("mortgage", "mortgage_amount")):
        ci, t = ch.before_stop(*repay[prod])
        ch.add("transaction", ci, t, amount=ch.attr(column)[ci], category=np.full(len(ci), ch.category_code[prod]))


def _banking_other_events(ch: _Chunk) -> None:
    """Logins, feature use (the feature drawn with the customer's weights), balance checks and
    support contacts (also in support episodes)."""
    for tname, rate in ch.other_types():
        ci, t = ch.other_times(rate)
        if tname == "feature_use":
            feat = sample_rows(ch.rng, ch.attr("feature_weights"), ci)
            ch.add(tname, ci, t, category=np.array([ch.category_code[f] for f in BANK_FEATURES])[feat])
        elif tname == "support_contact":
            ch.routine_support(ci, t, 0.002, BANK_TOPICS, BANK_TOPIC_SHARES)
        else:
            ch.add(tname, ci, t)


def _banking_trait_events(ch: _Chunk) -> None:
    """Balance watchers check their balance ~0.25 times a day from their start to the end,
    whether they still transact or not; frustrated customers have support episodes (~5
    contacts each) about every 80 days while active and up to a month after they stop."""
    ch.add("balance_check", *ch.habit_times("balance_watcher", BALANCE_WATCH_RATE))
    g = ch.trait_rng
    frustrated = np.where(ch.trait["frustrated"], FRUSTRATION_EPISODE_RATE, 0.0)
    ci, t = bursts(g, frustrated, ch.t0, np.minimum(ch.stop + 30.0, ch.history_end), (3.0, 8.0), 0.9)
    ch.support_contacts(ci, t, g, BANK_TOPICS, BANK_TOPIC_SHARES)


# ------------------------------------------------------------------------------------------
# telecom
# ------------------------------------------------------------------------------------------


def _telecom_events(ch: _Chunk) -> None:
    """A telecom's customers: bill payments (postpaid) and top-ups, the value events, which set
    the stop (the end of a postpaid contract, a prepaid customer's dropout after `dropout_days`
    top-up days); data usage, calls, messages, support contacts and roaming."""
    bills, contract_end = _telecom_due_bills(ch)
    topups = _telecom_topup_times(ch)
    ch.set_stop(np.where(ch.attr("postpaid"), np.minimum(ch.t1, contract_end), ch.dropout_stop(topups)))
    _telecom_bill_payments(ch, bills)
    _telecom_topups(ch, topups)
    _telecom_data_usage(ch)
    r_call = ch.rates["call"] * ch.activity * ch.noise()
    r_sms = ch.rates["sms"] * ch.activity * ch.noise() * ch.attr("sms_affinity")
    _telecom_calls(ch, r_call)
    _telecom_messages(ch, r_sms, r_call)
    ci, t = ch.other_times(ch.rates["support_contact"] * ch.activity * ch.noise())
    ch.routine_support(ci, t, 0.002, TELECOM_TOPICS, TELECOM_TOPIC_SHARES)
    _telecom_roaming(ch)


def _telecom_due_bills(ch: _Chunk):
    """Postpaid bills: one a month (due date + days late), the first one on the start day
    (paid that day) when the contract starts inside the window. Returns the bills (customer
    index, payment time, days late, opening bill) and each contract's end: after
    `contract_months` bills, counted from the first one in the window."""
    rng = ch.rng
    phase = np.where(ch.starts_inside, ch.tv, ch.attr("bill_phase"))
    first_due = ch.tv + np.mod(phase - ch.tv, BILL_PERIOD)
    ci, due = periodic(rng, ch.attr("postpaid"), ch.tv, ch.t1, phase, BILL_PERIOD)
    months = ch.customers.contract_months[ch.rows]
    contract_end = np.where(months < NEVER, first_due + np.minimum(months, 10**6) * BILL_PERIOD, np.inf)
    is_late = rng.random(len(ci)) < ch.attr("late_prob")[ci]
    late = np.where(is_late, rng.integers(ch.attr("late_min")[ci], ch.attr("late_max")[ci] + 1), 0)
    opening = due == ch.tv[ci]  # the first bill of a new contract is paid on the start day
    late = np.where(opening, 0, late)
    paid = np.where(opening, due + rng.random(len(ci)) * 0.5, np.floor(due) + late + rng.random(len(ci)))
    return (ci, paid, late, opening), contract_end


def _telecom_topup_times(ch: _Chunk):
    """Top-up times: prepaid customers top up regularly (their activation is one), postpaid
    ones now and then (add-ons)."""
    postpaid = ch.attr("postpaid")
    top = ch.value_times(np.where(postpaid, 0.03, 0.075) * ch.activity * ch.noise(3.0))
    act_ci, act_t = ch.activation
    prepaid = ~postpaid[act_ci]
    return _concat(top, (act_ci[prepaid], act_t[prepaid]))


def _telecom_bill_payments(ch: _Chunk, bills) -> None:
    """The bills paid before the stop and the end (bills due before the stop but paid after it
    are not paid): the plan's price plus, now and then, an overage charge. Bill shock: a bill
    with an overage charge is often followed by a billing complaint."""
    rng, g = ch.rng, ch.trait_rng
    ci, t, late, opening = ch.before_stop(*bills)
    ok = t < ch.history_days
    ci, t, late, opening = ci[ok], t[ok], late[ok], opening[ok]
    price = PLAN_PRICE[ch.attr("plan")[ci]]
    overage = np.where(~opening & (rng.random(len(ci)) < 0.15), rng.uniform(2, 25, len(ci)), 0.0)
    ch.add("bill_payment", ci, t, amount=np.round(price + overage, 2), quantity=late.astype(float))
    shock = (overage > 0) & (g.random(len(ci)) < BILL_SHOCK_COMPLAINT)
    n_shock = shock.sum()
    billing = np.full(n_shock, ch.category_code["billing"])
    ch.add("support_contact", ci[shock], t[shock] + g.uniform(0.0, 4.0, n_shock), category=billing)


def _telecom_topups(ch: _Chunk, topups) -> None:
    """The top-ups before the stop; bigger spenders choose bigger top-ups."""
    ci, t = ch.before_stop(*topups)
    amounts = np.array([10.0, 15.0, 20.0, 25.0, 30.0, 50.0])
    step = np.rint(2.0 * np.log2(ch.value[ci])).astype(np.int64)
    k = np.clip(ch.rng.choice(6, size=len(ci), p=[0.2, 0.2, 0.25, 0.15, 0.12, 0.08]) + step, 0, 5)
    ch.add("topup", ci, t, amount=amounts[k])


def _telecom_data_usage(ch: _Chunk) -> None:
    """A data-usage record every 7-11 days (per customer) while active, fewer after the stop,
    each of `utilisation` x the plan's allowance pro rata (everybody with a phone uses data,
    whatever its activity)."""
    rng = ch.rng
    period = ch.attr("data_period")
    ci, t = periodic(rng, np.ones(ch.n, dtype=bool), ch.t0, ch.history_end, ch.attr("data_phase"), period)
    keep = (t < ch.stop[ci]) | (rng.random(len(ci)) < ch.after_rate[ci])
    ci, t = ci[keep], t[keep] + rng.random(keep.sum())
    per_record = PLANS_MB[ch.attr("plan")] * ch.attr("utilisation") * period / 30.4
    ch.add("data_usage", ci, t, quantity=np.round(per_record[ci] * rng.lognormal(-0.06, 0.35, len(ci)), 1))


def _telecom_calls(ch: _Chunk, r_call: np.ndarray) -> None:
    """Calls at rate r_call (with their minutes); switchers talk SWITCH_VOLUME times as much
    and, from their change day on, keep only SWITCH_CALLS_KEPT of their calls."""
    g = ch.trait_rng
    switcher = ch.trait["switcher"]
    extra = ch.other_times(np.where(switcher, (SWITCH_VOLUME - 1.0) * r_call, 0.0), g)
    ci, t = _concat(ch.other_times(r_call), extra)
    drop = switcher[ci] & (t >= ch.change_at[ci]) & (g.random(len(ci)) >= SWITCH_CALLS_KEPT)
    ci, t = ci[~drop], t[~drop]
    ch.add("call", ci, t, quantity=np.ceil(ch.rng.lognormal(np.log(3.0), 0.9, len(ci))))


def _telecom_messages(ch: _Chunk, r_sms: np.ndarray, r_call: np.ndarray) -> None:
    """Messages at rate r_sms; switchers send SWITCH_VOLUME times as many plus, from their change
    day on, SWITCH_SMS_PER_CALL messages per call they no longer make (thinned Poisson)."""
    g = ch.trait_rng
    ci, t = ch.other_times(r_sms)
    before = (SWITCH_VOLUME - 1.0) * r_sms
    after = before + SWITCH_VOLUME * (1.0 - SWITCH_CALLS_KEPT) * SWITCH_SMS_PER_CALL * r_call
    rmax = np.where(ch.trait["switcher"], after, 0.0)
    eci, et = ch.other_times(rmax, g)
    keep = (et >= ch.change_at[eci]) | (g.random(len(eci)) * rmax[eci] < before[eci])
    ch.add("sms", *_concat((ci, t), (eci[keep], et[keep])))


def _telecom_roaming(ch: _Chunk) -> None:
    """Roaming (MB per record) on the trips of travellers, and on more trips of frequent
    travellers."""
    trips = bursts(ch.rng, np.where(ch.attr("traveler"), 0.006, 0.0), ch.t0, ch.stop, (4.0, 14.0), 1.2)
    frequent = np.where(ch.trait["frequent_traveler"], TRIP_RATE, 0.0)
    ci, t = _concat(trips, bursts(ch.trait_rng, frequent, ch.t0, ch.stop, (3.0, 9.0), 1.0))
    ch.add("roaming", ci, t, quantity=np.round(ch.rng.lognormal(np.log(150), 0.8, len(ci)), 1))


# ------------------------------------------------------------------------------------------
# ecommerce
# ------------------------------------------------------------------------------------------


def _ecommerce_events(ch: _Chunk) -> None:
    """A shop's customers: purchases (the value events, which set the stop) and their returns;
    bargain hunters buy BARGAIN_EXTRA as often again (with a discount, as always). Then views,
    carts and support contacts, and the traits' carts and views."""
    r_buy = ch.rates["purchase"] * ch.activity * ch.noise()
    own = _concat(ch.value_times(r_buy), ch.activation)
    extra = ch.value_times(np.where(ch.trait["bargain_hunter"], BARGAIN_EXTRA * r_buy, 0.0), ch.trait_rng)
    ch.set_stop(ch.dropout_stop(own, extra))
    _purchases(ch, ch.rng, *ch.before_stop(*own))
    _purchases(ch, ch.trait_rng, *ch.before_stop(*extra))
    _ecommerce_other_events(ch)
    _ecommerce_trait_events(ch)


def _categories(ch: _Chunk, g: np.random.Generator, ci: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The product category of each event (drawn with g from the customer's preferences); a
    category shifter's new preferences from its change day on."""
    k = sample_rows(g, ch.attr("category_weights"), ci)
    moved = ch.trait["category_shifter"][ci] & (t >= ch.change_at[ci])
    if moved.any():
        k[moved] = sample_rows(ch.trait_rng, ch.attr("category_weights_new"), ci[moved])
    return k


def _purchases(ch: _Chunk, g: np.random.Generator, ci: np.ndarray, t: np.ndarray) -> None:
    """Purchase events (drawn with g: category, items, amount, discount) and the returns that
    follow some of them; a downtrader's baskets shrink from its change day on."""
    k = _categories(ch, g, ci, t)
    items = 1 + g.poisson(0.6, len(ci))
    unit = SHOP_PRICE[k] * ch.value[ci] * g.lognormal(-0.2, 0.6, len(ci))
    unit = unit * np.where(ch.trait["downtrader"][ci] & (t >= ch.change_at[ci]), DOWNTRADE_FACTOR, 1.0)
    amount = np.round(items * unit, 2)
    disc = g.random(len(ci)) < ch.attr("discount_prop")[ci]
    discount = np.where(disc, np.round(amount * g.uniform(0.05, 0.3, len(ci)), 2), np.nan)
    ch.add("purchase", ci, t, amount=amount, quantity=items.astype(float), category=k, discount=discount)
    _returns(ch, g, ci, t, amount, k)


def _returns(
    ch: _Chunk, g: np.random.Generator, ci: np.ndarray, t: np.ndarray, amount: np.ndarray, category: np.ndarray
) -> None:
    """Returns of some of these purchases (at the customer's return propensity), 2-30 days later
    (before the end), of 30-100% of the amount."""
    ret = g.random(len(ci)) < ch.attr("return_prop")[ci]
    rt = t[ret] + g.uniform(2, 30, ret.sum())
    ok = rt < ch.history_days
    refund = np.round(amount[ret][ok] * g.uniform(0.3, 1.0, ok.sum()), 2)
    ch.add("return", ci[ret][ok], rt[ok], amount=refund, category=category[ret][ok])


def _ecommerce_other_events(ch: _Chunk) -> None:
    """Views (at the customer's browse ratio) and carts, each of a product category, and support
    contacts (also in support episodes)."""
    for tname, rate in ch.other_types():
        if tname == "view":
            rate = rate * ch.attr("browse_ratio")
        ci, t = ch.other_times(rate)
        if tname in ("view", "cart"):
            ch.add(tname, ci, t, category=_categories(ch, ch.rng, ci, t))
        else:  # support_contact
            ch.routine_support(ci, t, 0.0015, SHOP_TOPICS, SHOP_TOPIC_SHARES)


def _ecommerce_trait_events(ch: _Chunk) -> None:
    """Cart abandoners fill ~4 carts a month, window shoppers view ~24 products a month, both
    from their start to the end, whether they still buy or not."""
    for tname, flag, rate in (
        ("cart", "cart_abandoner", ABANDONER_CART_RATE),
        ("view", "window_shopper", WINDOW_SHOPPER_VIEW_RATE),
    ):
        ci, t = ch.habit_times(flag, rate)
        ch.add(tname, ci, t, category=_categories(ch, ch.trait_rng, ci, t))


def transactions_table(c: OrgCustomers, ev, counter: int, t0_sec: np.datetime64, text_ts: bool) -> pa.Table:
    tcode, ci, secs, amount, quantity, category, discount = ev
    n = len(ci)
    tnames = pa.array(INDUSTRY_TYPES[c.org_type])
    vocab = pa.array(CATEGORY_VOCAB[c.org_type])
    ts = pa.array(t0_sec + secs.astype("timedelta64[s]")).cast(pa.timestamp("us"))
    occurred = pc.strftime(ts.cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S") if text_ts else ts
    return pa.table(
        {
            "transaction_id": transaction_ids(counter, n),
            "customer_id": c.customer_id_arrow().take(pa.array(ci)),
            "occurred_at": occurred,
            "transaction_type": tnames.take(pa.array(tcode)),
            "amount": pa.array(amount, pa.float64(), from_pandas=True),
            "quantity": pa.array(quantity, pa.float64(), from_pandas=True),
            "category": vocab.take(pa.array(category.astype(np.int64), mask=category < 0)),
            "discount_amount": pa.array(discount, pa.float64(), from_pandas=True),
        }
    )
