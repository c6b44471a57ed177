"""The events of a chunk of customers (events_for_chunk) and their transactions table."""

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
    SHOP_CATEGORIES,
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


def events_for_chunk(
    c: OrgCustomers, lo: int, hi: int, rng: np.random.Generator, H: float, brng: np.random.Generator | None = None
):
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
    tnames = INDUSTRY_TYPES[c.org_type]
    rate_of = TYPE_RATES[c.org_type]
    value_types = set(VALUE_TYPES[c.org_type])  # made by the value-event simulation, not as Poisson noise
    vocab = CATEGORY_VOCAB[c.org_type]
    cat_index = {v: i for i, v in enumerate(vocab)}
    parts = []  # (type code, customer index, time, amount, quantity, category code, discount)

    def add(tname, ci, t, amount=None, quantity=None, category=None, discount=None):
        k = len(ci)
        nan = np.full(k, np.nan)
        parts.append(
            (
                np.full(k, tnames.index(tname), dtype=np.int8),
                ci,
                t,
                nan if amount is None else amount,
                nan if quantity is None else quantity,
                np.full(k, -1, dtype=np.int16) if category is None else category.astype(np.int16),
                nan if discount is None else discount,
            )
        )

    def value_times(rate, g=rng):
        """Poisson value events over [tv, t1) (with the ramp); the stop cuts them later."""
        return poisson_span(g, rate, tv, t1, a0v, a1v)

    def poisson(rate, g=rng):
        """Poisson non-value events over the active span [t0, stop) (with the ramp) and, at the
        persona's `after` rate, from the stop to the end."""
        ci1, tt1 = poisson_span(g, rate, t0, stop, a0w, a1w)
        ci2, tt2 = poisson_span(g, rate * foth, stop, hend)
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
            ci, t = periodic(rng, a[flag][sl], tv, t1, a["repay_phase"][sl])
            repay[prod] = (ci, t + rng.random(len(ci)) * 0.9)
        set_stop(_stop_after(*cat(tx, *repay.values()), m, k_drop, t1))
        ci, t = before_stop(*tx)
        prod = sample_rows(rng, pw, ci)
        base = np.array([45.0, 60.0, 250.0, 500.0])[prod]
        sig = np.array([0.9, 0.9, 0.8, 0.9])[prod]
        amount = np.round(base * c.value[sl][ci] * rng.lognormal(0, 1, len(ci)) ** sig, 2)
        add("transaction", ci, t, amount=amount, category=prod)
        for prod, amt in (("loan", "loan_amount"), ("mortgage", "mortgage_amount")):
            ci, t = before_stop(*repay[prod])
            add("transaction", ci, t, amount=a[amt][sl][ci], category=np.full(len(ci), cat_index[prod]))
        # other events
        for tname, rate in rate_of.items():
            if tname in value_types or rate == 0:
                continue
            ci, t = poisson(rate * act * noise())
            if tname == "feature_use":
                feat = sample_rows(rng, a["feature_weights"][sl], ci)
                add(tname, ci, t, category=np.array([cat_index[f] for f in BANK_FEATURES])[feat])
            elif tname == "support_contact":
                bci, bt = bursts(rng, np.full(m, 0.002), t0, stop, (2.0, 7.0), 0.8)
                ci, t = np.concatenate([ci, bci]), np.concatenate([t, bt])
                topic = rng.choice(len(BANK_TOPICS), size=len(ci), p=bank_topic_p)
                add(tname, ci, t, category=bank_topic_code[topic])
            else:
                add(tname, ci, t)
        # traits. Balance watchers check their balance ~0.25 times a day from their start to the
        # end, whether they still transact or not ...
        r = np.where(trait["balance_watcher"], BALANCE_WATCH_RATE, 0.0) * noise(g=brng)
        ci, t = poisson_span(brng, r, t0, hend)
        add("balance_check", ci, t)
        # ... frustrated customers have support episodes (~5 contacts each) about every 80 days
        # while active and up to a month after they stop
        ci, t = bursts(
            brng,
            np.where(trait["frustrated"], FRUSTRATION_EPISODE_RATE, 0.0),
            t0,
            np.minimum(stop + 30.0, hend),
            (3.0, 8.0),
            0.9,
        )
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
        ci, due = periodic(rng, postpaid, tv, t1, phase, BILL_PERIOD)
        months = c.contract_months[sl]
        contract_end = np.where(months < NEVER, first_due + np.minimum(months, 10**6) * BILL_PERIOD, np.inf)
        is_late = rng.random(len(ci)) < a["late_prob"][sl][ci]
        late = np.where(is_late, rng.integers(a["late_min"][sl][ci], a["late_max"][sl][ci] + 1), 0)
        opening = due == tv[ci]  # the first bill of a new contract is paid on the start day
        late = np.where(opening, 0, late)
        bills = (
            ci,
            np.where(opening, due + rng.random(len(ci)) * 0.5, np.floor(due) + late + rng.random(len(ci))),
            late,
            opening,
        )
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
        add(
            "support_contact",
            ci[shock],
            t[shock] + brng.uniform(0.0, 4.0, shock.sum()),
            category=np.full(shock.sum(), TELECOM_TOPICS.index("billing")),
        )
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
        ci, t = periodic(rng, np.ones(m, dtype=bool), t0, hend, a["data_phase"][sl], period)
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
        bci, bt = bursts(rng, np.full(m, 0.002), t0, stop, (2.0, 7.0), 0.8)
        ci, t = np.concatenate([ci, bci]), np.concatenate([t, bt])
        topic = rng.choice(len(TELECOM_TOPICS), size=len(ci), p=[0.35, 0.25, 0.12, 0.12, 0.06, 0.10])
        add("support_contact", ci, t, category=topic)
        # roaming trips of travellers, and more of frequent travellers
        rci, rt = bursts(rng, np.where(a["traveler"][sl], 0.006, 0.0), t0, stop, (4.0, 14.0), 1.2)
        rci, rt = cat(
            (rci, rt), bursts(brng, np.where(trait["frequent_traveler"], TRIP_RATE, 0.0), t0, stop, (3.0, 9.0), 1.0)
        )
        add("roaming", rci, rt, quantity=np.round(rng.lognormal(np.log(150), 0.8, len(rci)), 1))

    else:  # ecommerce
        a = c.attrs
        cw, cw_new = a["category_weights"][sl], a["category_weights_new"][sl]
        shifter, downtrader = trait["category_shifter"], trait["downtrader"]

        def categories(g, ci, t):
            """Product category of each event; a category shifter's new preferences from its change day."""
            k = sample_rows(g, cw, ci)
            moved = shifter[ci] & (t >= change_at[ci])
            if moved.any():
                k[moved] = sample_rows(brng, cw_new, ci[moved])
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
            add(
                "return",
                rci,
                rt[okr],
                amount=np.round(amount[ret][okr] * g.uniform(0.3, 1.0, okr.sum()), 2),
                category=k[ret][okr],
            )

        # value events: purchases; bargain hunters buy BARGAIN_EXTRA as often again (with a
        # discount, as always)
        r_buy = rate_of["purchase"] * act * noise()
        own = cat(value_times(r_buy), (act_ci, act_t))
        extra = value_times(np.where(trait["bargain_hunter"], BARGAIN_EXTRA * r_buy, 0.0), brng)
        set_stop(_stop_after(*cat(own, extra), m, k_drop, t1))
        purchases(rng, *before_stop(*own))
        purchases(brng, *before_stop(*extra))
        # other events
        for tname, rate in rate_of.items():
            if tname in value_types or rate == 0:
                continue
            r = rate * act * noise()
            if tname == "view":
                r = r * a["browse_ratio"][sl]
            ci, t = poisson(r)
            if tname in ("view", "cart"):
                add(tname, ci, t, category=categories(rng, ci, t))
            else:  # support_contact
                bci, bt = bursts(rng, np.full(m, 0.0015), t0, stop, (2.0, 7.0), 0.8)
                ci, t = np.concatenate([ci, bci]), np.concatenate([t, bt])
                topic = rng.choice(len(SHOP_TOPICS), size=len(ci), p=[0.35, 0.2, 0.15, 0.1, 0.2])
                add(tname, ci, t, category=len(SHOP_CATEGORIES) + topic)
        # cart abandoners fill ~4 carts a month, window shoppers view ~24 products a month, both
        # from their start to the end, whether they still buy or not
        for tname, flag, rate in (
            ("cart", "cart_abandoner", ABANDONER_CART_RATE),
            ("view", "window_shopper", WINDOW_SHOPPER_VIEW_RATE),
        ):
            ci, t = poisson_span(brng, np.where(trait[flag], rate, 0.0) * noise(g=brng), t0, hend)
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
    return (tcode[order], ci[order] + lo, secs[order], amount[order], quantity[order], category[order], discount[order])


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
