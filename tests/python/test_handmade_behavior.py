"""Hand-worked end-to-end test of the behaviour analysis (rules sections 7 and 8) on the
hand-made fixture (handmade.py describes it). Every expected value below was worked out BY HAND
from the rules (docs/rules.md), never copied from the project's output."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from handmade import AS_OF, BNK, ECB, ECO, ORG_TYPE, TEL, TLB, TOL, built_project


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return built_project(tmp_path_factory)


# =====================================================================================
# BEHAVIOUR ANALYSIS (rules sections 7 and 8), worked out by hand.
#
#   last  = [2026-05-02, 2026-06-01)   prev = [2026-04-02, 2026-05-02)   60d = [2026-04-02, 2026-06-01)
#
#   trend(l, p): p = 0 -> unknown if l = 0 else increasing; else c = (l - p) / p:
#                c >= 0.2 increasing, c <= -0.2 declining, else stable
#   component(l, p) = 50 if both 0; 100 if p = 0 < l; else 50 + 50 * clamp(c, -1, 1)
#   score = 0.4 * comp(activity) + 0.3 * comp(value) + 0.3 * 100 * min(1, days_last / 15)
#         = 0.4 A + 0.3 V + 2 * days_last (for days_last <= 15)
#
# Exact-threshold traps (double arithmetic "as written"; rearranging gives the other answer):
#   (12 - 10) / 10 = 0.2 -> increasing   but 12/10 - 1 = 0.19999999999999996 (stable)
#   (12 - 15) / 15 = -0.2 -> declining   but 12/15 - 1 = -0.19999999999999996 (stable)
#   (240 - 300) / 300 = -0.2, (4 - 5) / 5 = -0.2, (60 - 50) / 50 = 0.2, (120 - 100) / 100 = 0.2
#
# Column tuple: activity last, prev, value last, prev, active_days last, prev,
#               activity_trend, value_trend, engagement_trend, behavior_score, risk_signals
#
# ------------------------------------------------------------------------------------- BANKING BNK
# B1 CUST_001  (every banking signal, most at their threshold)
#   prev: logins 04-02 00:00, 04-10, 04-20, 05-01 23:59:59 (4); transactions 100 checking on 04-05,
#         04-15, 04-25 (3); feature_use transfers 04-06, bill_pay 04-16 (2 distinct); support 04-07 (1)
#         -> activity 10, value 300, days 10 (all on different days)
#   last: logins 05-02 00:00, "LOGIN" 05-20 (2); transaction 240 " Checking " 05-10 (1);
#         feature_use "Transfers" 05-16 (1 distinct); balance_check 05-11..05-15 (5);
#         support 05-21, 05-22, 05-23 (3) -> activity 12, value 240, days 2+1+1+5+3 = 12
#   not counted: transaction 80 savings 03-01 (before the windows), login 06-01 00:00 (= as_of)
#   trends: activity (12-10)/10 = 0.2 increasing; value (240-300)/300 = -0.2 declining;
#           days (12-10)/10 = 0.2 increasing
#   score: A = 50 + 50*0.2 = 60; V = 50 - 50*0.2 = 40; 0.4*60 + 0.3*40 + 0.3*100*12/15
#          = 24 + 12 + 24 = 60.00
#   signals: balance_checking_without_action  checks last 5 >= 5 and txns last 1 <= 0.2*5 = 1.0
#            feature_abandonment              features prev 2 >= 2, last 1 <= 0.5*2 = 1
#            login_frequency_decline          logins prev 4 >= 4, last 2 <= 0.5*4 = 2
#            single_product_usage             txns 60d 4 >= 1, categories 60d {checking} = 1
#                                             (savings of 03-01 is outside 60d; " Checking "
#                                             normalises to checking)
#            support_contact_spike            support last 3 >= 3 and 3 >= 2*1
#            transaction_volume_drop          txns prev 3 >= 3, last 1 <= 1.5
# B2 CUST_102  (near miss for every banking signal)
#   prev: 15 events on 04-03..04-17, one a day: logins 4, transactions 50 checking + 50 savings,
#         feature_use transfers, support 1, balance_check 7 -> activity 15, value 100, days 15
#   last: 12 events on 05-03..05-14: logins 3, transactions 60 checking + 60 credit_card,
#         balance_check 5, support 2 -> activity 12, value 120, days 12
#   trends: activity (12-15)/15 = -0.2 declining; value (120-100)/100 = 0.2 increasing;
#           days -0.2 declining
#   score: A = 40, V = 60: 16 + 18 + 0.3*100*12/15 = 24 -> 58.00
#   signals: none. login: last 3 > 2; transaction_volume_drop: prev 2 < 3; feature_abandonment:
#            prev 1 distinct < 2; balance_checking: last 5 checks but txns 2 > 1.0;
#            single_product: categories 60d {checking, savings, credit_card} = 3;
#            support_contact_spike: last 2 < 3
# B3 CUST_103  all events older than the two windows (03-15 transaction, 04-01 23:59:59 login)
#   zero windows: trends unknown x3; score 0.4*50 + 0.3*50 + 0 = 35.00; no signal
#   (single_product_usage needs txns 60d >= 1: 0)
# B4 CUST_104  only event B4-01 rejected (negative amount) -> not analysed; behaviour error
# B5 CUST_105
#   prev: transactions 25 savings 04-03, 04-04, 04-05, 04-06; support 04-06 15:00, 04-07
#         -> activity 6, value 100, days {04-03..04-07} = 5
#   last: transactions 25 savings 05-05, 05-06; support 05-05 x2, 05-07, 05-08
#         -> activity 6, value 50, days {05-05, 05-06, 05-07, 05-08} = 4
#   trends: activity 0 stable; value -0.5 declining; days (4-5)/5 = -0.2 declining
#   score: A 50, V 25: 20 + 7.5 + 0.3*100*4/15 = 8 -> 35.50
#   signals: single_product_usage (6 txns, {savings}); support_contact_spike (4 >= 3 and
#            4 >= 2*2 = 4, boundary); transaction_volume_drop (prev 4, last 2 <= 2, boundary)
# B6 CUST_106  last: login 05-20, transaction 30 loan 05-21 -> 2, 30, 2 days; prev 0
#   trends increasing x3; score 40 + 30 + 4 = 74.00; single_product_usage ({loan})
# B7 CUST_107  last: login + transaction 30 loan on 05-22 -> 2, 30, 1 day
#   trends increasing x3; score 40 + 30 + 2 = 72.00; single_product_usage
# B8 CUST_108, B9 CUST_109  one login in prev only -> activity 0/1, value 0/0, days 0/1
#   declining / unknown / declining; score 0.4*0 + 0.3*50 + 0 = 15.00; no signal
# B10 CUST_110, B11 CUST_111  one login in each window -> 1/1, 0/0, 1/1
#   stable / unknown / stable; score 20 + 15 + 2 = 37.00; no signal
#
# ------------------------------------------------------------------------------------- TELECOM TLB
# L1 CUST_201 plan 5000 MB  (every telecom signal)
#   prev: bill_payment 50, 15 days late, 04-02 00:00; data_usage 600 (04-03) + 400 (04-13) = 1000;
#         calls 5 on 04-04 + 5 on 04-14 -> activity 13, value 50, days {04-02,03,04,13,14} = 5
#   last: bill_payment 60, on time, 05-02 00:00; data_usage 300 (05-03) + 300 (05-13) = 600;
#         calls 5 on 05-04; roaming 5 x 100 MB on 05-20; support " Billing " 05-25
#         -> activity 1+2+5+5+1 = 14, value 60, days {05-02,03,04,13,20,25} = 6
#   trends: activity 1/13 = 0.077 stable; value (60-50)/50 = 0.2 increasing; days 1/5 = 0.2 increasing
#   score: A = 50 + 50/13 = 53.846...; V = 60: 21.538... + 18 + 0.3*100*6/15 = 12 -> 51.538 -> 51.54
#   signals: billing_complaints (1 billing contact last, " Billing " normalised)
#            communication_pattern_change (calls+sms prev 10 >= 10, last 5 <= 0.5*10 = 5)
#            data_usage_decline (600 < 0.7*1000 = 700; with roaming wrongly added, 1100 would not)
#            frequent_roaming (5 >= 5)
#            payment_delays (max days late 60d = 15 >= 15, on the first instant of the 60d window)
#            plan_underutilization (100*600/5000 = 12 < 30)
# L2 CUST_202 plan 2000 MB  (near misses)
#   before the windows: bill_payment 40, 30 days late, 04-01 (outside 60d)
#   prev: data 1000 (04-05); 5 calls + 5 sms (04-06); bill_payment 40, 14 late (04-20);
#         support "billing" (04-25) -> activity 13, value 40, days 4
#   last: data 700 (05-05); 6 sms (05-06); 4 roaming x 50 MB (05-07); support "network" (05-08);
#         bill_payment 40, on time (05-20) -> activity 13, value 40, days 5
#   trends: stable, stable, (5-4)/4 = 0.25 increasing
#   score: 20 + 15 + 0.3*100*5/15 = 10 -> 45.00
#   signals: none. data 700 < 0.7*1000 = 700.0 is false; plan 100*700/2000 = 35 >= 30;
#            calls+sms last 6 > 5 and share change |0 - 0.5| = 0.5 counts only with last >= 10;
#            billing contact only in prev; roaming 4 < 5; max days late 60d 14 < 15
# L3 CUST_203 plan NULL  prev only: data 100 + sms (04-10), topup 20 (04-11)
#   -> 0/3, 0/20, 0/2: declining x3; score 0 + 0 + 0 = 0.00
#   signals: data_usage_decline (100 > 0, 0 < 70); plan_underutilization no (no plan)
# L4 CUST_204 plan 3000  last only: sms 05-15 -> 1/0, 0/0, 1/0: increasing, unknown, increasing;
#   score 40 + 15 + 2 = 57.00; plan_underutilization (100*0/3000 = 0 < 30)
# L5 CUST_205 only a topup at 2026-06-01 00:00 (= as_of, not before it) -> not analysed; error
#   (rules section 7: analysed = at least one valid event BEFORE as_of_date)
#
# ----------------------------------------------------------------------------------- ECOMMERCE ECB
# C1 CUST_301
#   prev: purchases 50 books (disc 10) 04-05, 50 books (disc 10) 04-15; view 04-05
#         -> activity 3, value 100, days 2
#   last: purchases 20 books (disc 5) 05-05, 15 toys (disc 2) 05-06, 10 " Toys " (disc 0) 05-07;
#         10 carts 05-05; views 05-05, 05-06, 05-07; returns 20 (05-10), 15 (05-11)
#         -> activity 3+10+3+2 = 18, value 45 (returns are not value events), days 5
#   trends: activity 15/3 = 5 increasing; value -0.55 declining; days 1.5 increasing
#   score: A = 100 (clamped), V = 50 - 27.5 = 22.5: 40 + 6.75 + 0.3*100*5/15 = 10 -> 56.75
#   signals: basket_size_decline (prev 2, last 3; AOV 45/3 = 15 <= 0.7 * 100/2 = 35)
#            category_shift (N_prev 2 = books 2; N_last 3 = books 1, toys 2:
#                            |1*2 - 2*3| + |2*2 - 0*3| = 4 + 4 = 8 >= 3*2 = 6)
#            discount_dependency (purchases 60d 5 >= 4; discounted 4 (the 0 is not > 0): 0.8 >= 0.8)
#            high_cart_abandonment (carts 10 >= 3; 1 - min(3, 10)/10 = 0.7 >= 0.7)
#            high_return_rate (60d: 2 returns / 5 purchases = 0.4 >= 0.3)
#            not low_browse_to_buy (views last 3 < 20)
# C2 CUST_302
#   prev: purchases 30 electronics 04-10, 04-11, 04-12; return 04-20 -> activity 4, value 90, days 4
#   last: 20 views + 2 carts on 05-15 -> activity 22, value 0, days 1
#   trends: increasing (4.5), declining (-1), declining (-0.75)
#   score: A = 100, V = 0: 40 + 0 + 2 -> 42.00
#   signals: high_return_rate (60d 1/3 = 0.333 >= 0.3, purchases 3 >= 3)
#            low_browse_to_buy (views 20 >= 20, 0/20 = 0 < 0.02)
#            not high_cart_abandonment (carts 2 < 3), not discount_dependency (3 < 4)
# C3 CUST_303
#   before the windows: return 40 books 04-01 (outside 60d)
#   prev: purchases 100 books (disc 5) 04-03, 04-04; 24 views each day -> activity 50, value 200, days 2
#   last: purchase 70 books (disc 5) 05-03; 25 views 05-03 + 25 views 05-04; 3 carts 05-05
#         -> activity 54, value 70, days 3
#   trends: activity 4/50 = 0.08 stable; value -130/200 = -0.65 declining; days 0.5 increasing
#   score: A = 54, V = 50 - 32.5 = 17.5: 21.6 + 5.25 + 0.3*100*3/15 = 6 -> 32.85
#   signals: basket_size_decline (prev 2, last 1, AOV 70 <= 0.7 * 100 = 70.0, boundary)
#            not low_browse_to_buy (1/50 = 0.02, not < 0.02); not high_cart_abandonment
#            (1 - 1/3 = 0.667 < 0.7); not high_return_rate (return of 04-01 outside 60d: 0/3);
#            not discount_dependency (3 < 4); not category_shift (last 1 < 2)
#
# ------------------------------------------------------------------------- TELECOM TEL (existing)
# (events as in the segmentation notes above; plan_allowance_mb from customers.csv)
# T1  last: data 500 + call (05-20), bill_payment 40 (05-29) -> 3, 40, 2; prev: bill 40 (04-28) -> 1, 40, 1
#     inc / stable / inc; 40 + 15 + 4 = 59.00; plan 100*500/5000 = 10 < 30; days late max 2
# T2  last: topup 50 (05-15), sms (05-15), topup 50 (05-29) -> 3, 100, 2; prev: bill 50, 20 late (04-15)
#     inc / inc (1.0) / inc; 40 + 30 + 4 = 74.00; payment_delays (20 >= 15), plan (0 < 30)
# T3  last: support billing 05-25 -> 1, 0, 1; prev 0 -> inc / unknown / inc; 40 + 15 + 2 = 57.00;
#     billing_complaints, plan_underutilization (plan 2000, 0 MB)
# T4  events 2025-05-01 and 2025-11-13 only: zero windows -> unknown x3, 35.00;
#     plan_underutilization still fires (plan 2000 > 0, 100*0/2000 = 0 < 30)
# T5  data 200 (05-10) / data 300 (04-10) -> 1/1, 0/0, 1/1: stable / unknown / stable;
#     20 + 15 + 2 = 37.00; data_usage_decline (200 < 210), plan (100*200/1000 = 20 < 30)
# T6  last: sms 05-05, topup 20 + data 100 (05-31) -> 3, 20, 2; prev 0 -> inc x3; 74.00; plan (10 < 30)
# T7  prev: sms 05-01 09:00; last: topup 20 05-29 -> 1/1, 20/0, 1/1: stable / inc / stable;
#     20 + 30 + 2 = 52.00; plan (0 < 30)
# T8  last: data 800 (05-20), topup 30 (05-29, the kept T8-01) -> 2, 30, 2; prev topup 30 (04-29)
#     inc / stable / inc; 59.00; plan (100*800/3000 = 26.67 < 30)
# T9  last: call 05-20 -> 1, 0, 1; prev: bill 10.10 (04-17) -> 1, 10.1, 1
#     stable / declining (-1) / stable; 20 + 0 + 2 = 22.00; plan (0 < 30)
# T10 prev: topup 30.30 at 04-02 00:00 -> 0/1, 0/30.3, 0/1: declining x3; 0.00; plan NULL: no signal
# T11 last: topup 45 + roaming 50 (05-12) -> 2, 45, 1; prev: topup 45 (04-12) -> 1, 45, 1
#     inc / stable / stable; 40 + 15 + 2 = 57.00; plan (roaming is not data: 0 < 30)
#
# --------------------------------------------------------------------- ECOMMERCE ECO (existing)
# E1  last: cart 05-26, view + purchase 100 (05-27) -> 3, 100, 2; prev: purchase 50 (04-27)
#     inc / inc / inc; 40 + 30 + 4 = 74.00; no signal (carts 1, purchases prev 1, 60d 2)
# E2  prev: view 05-01 -> 0/1, 0/0, 0/1: declining / unknown / declining; 0 + 15 + 0 = 15.00
# E3  last: purchase 60 (05-27) -> inc x3; 40 + 30 + 2 = 72.00
# E4  last: views 05-10, 05-11, 05-12 -> 3/0, 0/0, 3/0: inc / unknown / inc; 40 + 15 + 6 = 61.00
#     (views 3 < 20)
# E5  no event at all -> behaviour error
# =====================================================================================

INC, STA, DEC, UNK = "increasing", "stable", "declining", "unknown"
WINDOW_COLS = ("activity_last", "activity_prev", "value_last", "value_prev", "active_days_last", "active_days_prev")
BEH_COLS = (
    *WINDOW_COLS,
    "activity_trend",
    "value_trend",
    "engagement_trend",
    "behavior_score",
    "risk_signals",
)

BEHAVIOR = {
    (BNK, "CUST_001"): (
        12,
        10,
        240,
        300,
        12,
        10,
        INC,
        DEC,
        INC,
        60.00,
        [
            "balance_checking_without_action",
            "feature_abandonment",
            "login_frequency_decline",
            "single_product_usage",
            "support_contact_spike",
            "transaction_volume_drop",
        ],
    ),
    (BNK, "CUST_102"): (12, 15, 120, 100, 12, 15, DEC, INC, DEC, 58.00, []),
    (BNK, "CUST_103"): (0, 0, 0, 0, 0, 0, UNK, UNK, UNK, 35.00, []),
    (BNK, "CUST_105"): (
        6,
        6,
        50,
        100,
        4,
        5,
        STA,
        DEC,
        DEC,
        35.50,
        ["single_product_usage", "support_contact_spike", "transaction_volume_drop"],
    ),
    (BNK, "CUST_106"): (2, 0, 30, 0, 2, 0, INC, INC, INC, 74.00, ["single_product_usage"]),
    (BNK, "CUST_107"): (2, 0, 30, 0, 1, 0, INC, INC, INC, 72.00, ["single_product_usage"]),
    (BNK, "CUST_108"): (0, 1, 0, 0, 0, 1, DEC, UNK, DEC, 15.00, []),
    (BNK, "CUST_109"): (0, 1, 0, 0, 0, 1, DEC, UNK, DEC, 15.00, []),
    (BNK, "CUST_110"): (1, 1, 0, 0, 1, 1, STA, UNK, STA, 37.00, []),
    (BNK, "CUST_111"): (1, 1, 0, 0, 1, 1, STA, UNK, STA, 37.00, []),
    (TLB, "CUST_201"): (
        14,
        13,
        60,
        50,
        6,
        5,
        STA,
        INC,
        INC,
        51.54,
        [
            "billing_complaints",
            "communication_pattern_change",
            "data_usage_decline",
            "frequent_roaming",
            "payment_delays",
            "plan_underutilization",
        ],
    ),
    (TLB, "CUST_202"): (13, 13, 40, 40, 5, 4, STA, STA, INC, 45.00, []),
    (TLB, "CUST_203"): (0, 3, 0, 20, 0, 2, DEC, DEC, DEC, 0.00, ["data_usage_decline"]),
    (TLB, "CUST_204"): (1, 0, 0, 0, 1, 0, INC, UNK, INC, 57.00, ["plan_underutilization"]),
    (ECB, "CUST_301"): (
        18,
        3,
        45,
        100,
        5,
        2,
        INC,
        DEC,
        INC,
        56.75,
        ["basket_size_decline", "category_shift", "discount_dependency", "high_cart_abandonment", "high_return_rate"],
    ),
    (ECB, "CUST_302"): (22, 4, 0, 90, 1, 4, INC, DEC, DEC, 42.00, ["high_return_rate", "low_browse_to_buy"]),
    (ECB, "CUST_303"): (54, 50, 70, 200, 3, 2, STA, DEC, INC, 32.85, ["basket_size_decline"]),
    (TEL, "CUST_001"): (3, 1, 40, 40, 2, 1, INC, STA, INC, 59.00, ["plan_underutilization"]),
    (TEL, "CUST_002"): (3, 1, 100, 50, 2, 1, INC, INC, INC, 74.00, ["payment_delays", "plan_underutilization"]),
    (TEL, "CUST_003"): (1, 0, 0, 0, 1, 0, INC, UNK, INC, 57.00, ["billing_complaints", "plan_underutilization"]),
    (TEL, "CUST_004"): (0, 0, 0, 0, 0, 0, UNK, UNK, UNK, 35.00, ["plan_underutilization"]),
    (TEL, "CUST_005"): (1, 1, 0, 0, 1, 1, STA, UNK, STA, 37.00, ["data_usage_decline", "plan_underutilization"]),
    (TEL, "CUST_006"): (3, 0, 20, 0, 2, 0, INC, INC, INC, 74.00, ["plan_underutilization"]),
    (TEL, "CUST_007"): (1, 1, 20, 0, 1, 1, STA, INC, STA, 52.00, ["plan_underutilization"]),
    (TEL, "CUST_008"): (2, 1, 30, 30, 2, 1, INC, STA, INC, 59.00, ["plan_underutilization"]),
    (TEL, "CUST_009"): (1, 1, 0, 10.10, 1, 1, STA, DEC, STA, 22.00, ["plan_underutilization"]),
    (TEL, "CUST_010"): (0, 1, 0, 30.30, 0, 1, DEC, DEC, DEC, 0.00, []),
    (TEL, "CUST_011"): (2, 1, 45, 45, 1, 1, INC, STA, STA, 57.00, ["plan_underutilization"]),
    (ECO, "CUST_001"): (3, 1, 100, 50, 2, 1, INC, INC, INC, 74.00, []),
    (ECO, "CUST_012"): (0, 1, 0, 0, 0, 1, DEC, UNK, DEC, 15.00, []),
    (ECO, "CUST_014"): (1, 0, 60, 0, 1, 0, INC, INC, INC, 72.00, []),
    (ECO, "CUST_015"): (3, 0, 0, 0, 3, 0, INC, UNK, INC, 61.00, []),
}
BEHAVIOR = {k: dict(zip(BEH_COLS, v)) for k, v in BEHAVIOR.items()}

# Valid customers without a valid event before as_of_date: no behaviour row, one error each.
NOT_ANALYZED = {(BNK, "CUST_104"), (TLB, "CUST_205"), (ECO, "CUST_016")}


def _uuid(org, ext):
    return {
        (BNK, "CUST_104"): "ba100000-0000-4000-8000-000000000004",
        (TLB, "CUST_205"): "7e100000-0000-4000-8000-000000000005",
        (ECO, "CUST_016"): "e1000000-0000-4000-8000-000000000005",
    }[(org, ext)]


@pytest.fixture(scope="module")
def behavior(project):
    rows = project.query(
        "select b.*, c.external_id from marts.behavior_analysis b "
        "join marts.customer_segments c on b.customer_id = c.customer_id"
    )
    return {(r["organization_id"], r["external_id"]): r for r in rows}


@pytest.fixture(scope="module")
def catalog():
    import csv

    with open(Path(__file__).resolve().parents[2] / "seeds" / "risk_signal_catalog.csv", newline="") as f:
        return {(r["org_type"], r["risk_signal"]): r["recommendation"] for r in csv.DictReader(f)}


def test_deprecated_window_columns_equal_the_new_ones(behavior):
    """behavior_analysis keeps the window metrics' first names (activity_last_30, ...) as
    deprecated aliases until 0.3.0: equal to the new columns on every row."""
    for row in behavior.values():
        assert [row[f"{col}_30"] for col in WINDOW_COLS] == [row[col] for col in WINDOW_COLS]


def test_behavior_analyzed_customers(project, behavior):
    # every valid customer with a valid event before as_of_date, nothing else
    assert sorted(behavior) == sorted(BEHAVIOR)
    assert not (set(behavior) & NOT_ANALYZED)
    n = project.query("select count(*) as n from marts.behavior_analysis")[0]["n"]
    assert n == len(BEHAVIOR)


@pytest.mark.parametrize("key", sorted(BEHAVIOR), ids=lambda k: f"{ORG_TYPE[k[0]]}-{k[0][-1]}-{k[1]}")
def test_behavior_row(behavior, catalog, key):
    exp = BEHAVIOR[key]
    row = behavior[key]
    problems = []

    def check(col, ok, got=None):
        if not ok:
            problems.append(f"{col}: expected {exp.get(col)!r}, got {row.get(col) if got is None else got!r}")

    for col in ("activity_last", "activity_prev", "active_days_last", "active_days_prev"):
        check(col, row[col] is not None and float(row[col]) == exp[col])
    for col in ("value_last", "value_prev"):
        check(col, row[col] is not None and abs(float(row[col]) - exp[col]) < 1e-6)
    for col in ("activity_trend", "value_trend", "engagement_trend"):
        check(col, row[col] == exp[col])
    check(
        "behavior_score",
        row["behavior_score"] is not None and abs(float(row["behavior_score"]) - exp["behavior_score"]) <= TOL,
    )
    signals = json.loads(row["risk_signals"])
    check("risk_signals", signals == exp["risk_signals"], signals)
    check("risk_signal_count", row["risk_signal_count"] == len(exp["risk_signals"]))
    recs = json.loads(row["recommendations"])
    want_recs = [catalog[(ORG_TYPE[key[0]], s)] for s in exp["risk_signals"]]
    if recs != want_recs:
        problems.append(f"recommendations: expected {want_recs!r}, got {recs!r}")
    if row["org_type"] != ORG_TYPE[key[0]]:
        problems.append(f"org_type: {row['org_type']!r}")
    if str(row["as_of_date"])[:10] != AS_OF:
        problems.append(f"as_of_date: {row['as_of_date']!r}")
    if not isinstance(json.loads(row["metadata"]), dict):
        problems.append(f"metadata: {row['metadata']!r}")
    assert not problems, f"{key}:\n  " + "\n  ".join(problems)


def test_behavior_risk_signals(project, catalog):
    rows = project.query(
        "select r.*, c.external_id from marts.behavior_risk_signals r "
        "join marts.customer_segments c on r.customer_id = c.customer_id"
    )
    got = Counter((r["organization_id"], r["external_id"], r["risk_signal"]) for r in rows)
    want = Counter((o, e, s) for (o, e), exp in BEHAVIOR.items() for s in exp["risk_signals"])
    assert got == want
    for r in rows:
        assert r["org_type"] == ORG_TYPE[r["organization_id"]], r
        assert r["recommendation"] == catalog[(r["org_type"], r["risk_signal"])], r


# ---------------------------------------------------------------------------------------
# Organisation level. percentage = round(100 * affected / analysed, 2); urgency high >= 25,
# medium >= 10, else low; priority_rank by affected desc, then signal name (NULL if none).
#
# BNK: analysed 10 (B1, B2, B3, B5..B11; B4 error), 11 valid customers.
#   single_product_usage     B1, B5, B6, B7 = 4 -> 40.00 high   rank 1
#   support_contact_spike    B1, B5 = 2     -> 20.00 medium rank 2
#   transaction_volume_drop  B1, B5 = 2     -> 20.00 medium rank 3
#   balance_checking_without_action B1 = 1  -> 10.00 medium rank 4 (boundary 10)
#   feature_abandonment      B1 = 1         -> 10.00 medium rank 5
#   login_frequency_decline  B1 = 1         -> 10.00 medium rank 6
#   activity_trend: increasing B1, B6, B7 = 3; stable B5, B10, B11 = 3; declining B2, B8, B9 = 3;
#                   unknown B3 = 1
#   avg_behavior_score = (60 + 58 + 35 + 35.5 + 74 + 72 + 15 + 15 + 37 + 37) / 10 = 438.5 / 10 = 43.85
# TLB: analysed 4 (L1..L4; L5 error), 5 valid customers.
#   data_usage_decline L1, L3 = 2 -> 50.00 high rank 1; plan_underutilization L1, L4 = 2 -> 50.00 rank 2;
#   billing_complaints, communication_pattern_change, frequent_roaming, payment_delays: L1 = 1
#   -> 25.00 high (boundary 25), ranks 3, 4, 5, 6
#   activity_trend: increasing L4; stable L1, L2; declining L3; unknown 0
#   avg = (51.54 + 45 + 0 + 57) / 4 = 38.385 (38.3846 from the unrounded 51.538...) -> 38.38/38.39
# ECB: analysed 3.
#   basket_size_decline C1, C3 = 2 -> 66.67 high rank 1; high_return_rate C1, C2 = 2 -> 66.67 rank 2;
#   category_shift, discount_dependency, high_cart_abandonment (C1), low_browse_to_buy (C2): 1 each
#   -> 33.33 high, ranks 3, 4, 5, 6
#   activity_trend: increasing C1, C2; stable C3
#   avg = (56.75 + 42 + 32.85) / 3 = 131.6 / 3 = 43.8667 -> 43.87
# TEL: analysed 11 (all).
#   plan_underutilization: everyone but T10 = 10 -> 1000/11 = 90.909 -> 90.91 high rank 1
#   billing_complaints T3, data_usage_decline T5, payment_delays T2: 1 each -> 9.09 low, ranks 2, 3, 4
#   communication_pattern_change, frequent_roaming: 0 -> 0.00, rank NULL
#   activity_trend: increasing T1, T2, T3, T6, T8, T11 = 6; stable T5, T7, T9 = 3; declining T10;
#                   unknown T4
#   avg = (59+74+57+35+37+74+52+59+22+0+57) / 11 = 526 / 11 = 47.818 -> 47.82
# ECO: analysed 4 (E5 error); no signal at all: every row 0 / 0.00 / rank NULL; priority_actions [].
#   activity_trend: increasing E1, E3, E4 = 3; declining E2 = 1
#   avg = (74 + 15 + 72 + 61) / 4 = 222 / 4 = 55.50
# Rows with no affected customer: percentage 0.00, urgency by the same rule -> low.
# ---------------------------------------------------------------------------------------

SIGNALS = {
    "banking": [
        "balance_checking_without_action",
        "feature_abandonment",
        "login_frequency_decline",
        "single_product_usage",
        "support_contact_spike",
        "transaction_volume_drop",
    ],
    "telecom": [
        "billing_complaints",
        "communication_pattern_change",
        "data_usage_decline",
        "frequent_roaming",
        "payment_delays",
        "plan_underutilization",
    ],
    "ecommerce": [
        "basket_size_decline",
        "category_shift",
        "discount_dependency",
        "high_cart_abandonment",
        "high_return_rate",
        "low_browse_to_buy",
    ],
}

# org -> signal -> (affected, percentage, urgency, priority_rank); signals not listed: (0, 0.0, low, None)
SIGNAL_SUMMARY = {
    BNK: {
        "single_product_usage": (4, 40.00, "high", 1),
        "support_contact_spike": (2, 20.00, "medium", 2),
        "transaction_volume_drop": (2, 20.00, "medium", 3),
        "balance_checking_without_action": (1, 10.00, "medium", 4),
        "feature_abandonment": (1, 10.00, "medium", 5),
        "login_frequency_decline": (1, 10.00, "medium", 6),
    },
    TLB: {
        "data_usage_decline": (2, 50.00, "high", 1),
        "plan_underutilization": (2, 50.00, "high", 2),
        "billing_complaints": (1, 25.00, "high", 3),
        "communication_pattern_change": (1, 25.00, "high", 4),
        "frequent_roaming": (1, 25.00, "high", 5),
        "payment_delays": (1, 25.00, "high", 6),
    },
    ECB: {
        "basket_size_decline": (2, 66.67, "high", 1),
        "high_return_rate": (2, 66.67, "high", 2),
        "category_shift": (1, 33.33, "high", 3),
        "discount_dependency": (1, 33.33, "high", 4),
        "high_cart_abandonment": (1, 33.33, "high", 5),
        "low_browse_to_buy": (1, 33.33, "high", 6),
    },
    TEL: {
        "plan_underutilization": (10, 90.91, "high", 1),
        "billing_complaints": (1, 9.09, "low", 2),
        "data_usage_decline": (1, 9.09, "low", 3),
        "payment_delays": (1, 9.09, "low", 4),
    },
    ECO: {},
}

# org -> (total analysed, {trend: count}, avg_behavior_score)
INSIGHTS = {
    BNK: (10, {"increasing": 3, "stable": 3, "declining": 3, "unknown": 1}, 43.85),
    TLB: (4, {"increasing": 1, "stable": 2, "declining": 1, "unknown": 0}, 38.385),
    ECB: (3, {"increasing": 2, "stable": 1, "declining": 0, "unknown": 0}, 43.8667),
    TEL: (11, {"increasing": 6, "stable": 3, "declining": 1, "unknown": 1}, 47.8182),
    ECO: (4, {"increasing": 3, "stable": 0, "declining": 1, "unknown": 0}, 55.50),
}

# org -> (valid customers, analysed, errors)
RUN_SUMMARY = {
    BNK: (11, 10, [f"Error analyzing customer {_uuid(BNK, 'CUST_104')}: no transactions"]),
    TLB: (5, 4, [f"Error analyzing customer {_uuid(TLB, 'CUST_205')}: no transactions"]),
    ECB: (3, 3, []),
    TEL: (11, 11, []),
    ECO: (5, 4, [f"Error analyzing customer {_uuid(ECO, 'CUST_016')}: no transactions"]),
}
ORG_IDS = ["BNK", "TLB", "ECB", "TEL", "ECO"]


@pytest.mark.parametrize("org", list(SIGNAL_SUMMARY), ids=ORG_IDS)
def test_behavior_signal_summary(project, catalog, org):
    rows = project.query(f"select * from marts.behavior_signal_summary where organization_id = '{org}'")
    by_sig = {r["risk_signal"]: r for r in rows}
    org_type = ORG_TYPE[org]
    assert len(rows) == 6 and sorted(by_sig) == SIGNALS[org_type]
    problems = []
    for sig, r in by_sig.items():
        aff, pct, urg, rank = SIGNAL_SUMMARY[org].get(sig, (0, 0.0, "low", None))
        got = (r["affected_customers"], float(r["percentage"]), r["urgency"], r["priority_rank"])
        if (got[0], got[2], got[3]) != (aff, urg, rank) or abs(got[1] - pct) > 1e-6:
            problems.append(f"{sig}: expected {(aff, pct, urg, rank)}, got {got}")
        if r["org_type"] != org_type or r["recommendation"] != catalog[(org_type, sig)]:
            problems.append(f"{sig}: org_type/recommendation {r['org_type']!r} {r['recommendation']!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("org", list(INSIGHTS), ids=ORG_IDS)
def test_behavior_insights(project, org):
    (r,) = project.query(f"select * from marts.behavior_insights where organization_id = '{org}'")
    total, by_trend, avg = INSIGHTS[org]
    assert r["org_type"] == ORG_TYPE[org]
    assert r["total_customers"] == total
    assert abs(float(r["avg_behavior_score"]) - avg) <= TOL
    assert json.loads(r["customers_by_trend"]) == by_trend
    assert (r["customers_increasing"], r["customers_stable"], r["customers_declining"], r["customers_unknown"]) == (
        by_trend["increasing"],
        by_trend["stable"],
        by_trend["declining"],
        by_trend["unknown"],
    )
    assert str(r["as_of_date"])[:10] == AS_OF
    # top_risk_signals: signal -> affected count (a signal with 0 may be absent or 0)
    top = json.loads(r["top_risk_signals"])
    want_top = {s: v[0] for s, v in SIGNAL_SUMMARY[org].items()}
    assert {s: c for s, c in top.items() if c} == want_top
    # priority_actions: affected signals in rank order
    actions = json.loads(r["priority_actions"])
    want = sorted(SIGNAL_SUMMARY[org].items(), key=lambda kv: kv[1][3])
    assert [a["risk_signal"] for a in actions] == [s for s, _ in want]
    for a, (_signal, (aff, pct, urg, _rank)) in zip(actions, want):
        assert set(a) == {"risk_signal", "affected_customers", "urgency", "percentage"}, a
        assert (a["affected_customers"], a["urgency"]) == (aff, urg), a
        assert abs(float(a["percentage"]) - pct) < 1e-6, a


@pytest.mark.parametrize("org", list(RUN_SUMMARY), ids=ORG_IDS)
def test_behavior_run_summary(project, org):
    (r,) = project.query(f"select * from marts.behavior_run_summary where organization_id = '{org}'")
    total, analysed, errors = RUN_SUMMARY[org]
    assert (r["total_customers"], r["analyzed"], r["error_count"]) == (total, analysed, len(errors))
    assert json.loads(r["errors"]) == errors


def test_behavior_orgs(project):
    # one row per valid organisation in each per-organisation mart; BAD (rejected) has none
    for mart in ("behavior_insights", "behavior_run_summary"):
        orgs = [r["organization_id"] for r in project.query(f"select organization_id from marts.{mart}")]
        assert sorted(orgs) == sorted([TEL, ECO, BNK, TLB, ECB]), mart
