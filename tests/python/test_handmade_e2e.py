"""Hand-worked end-to-end test of segmentation and behaviour analysis (rules sections 2-8, 10).

Every expected value below was worked out BY HAND from the rules (docs/rules.md) and the project's
decisions, never copied from the project's output. The arithmetic is in the comments.

Fixture: tests/python/fixtures/handmade/ (raw CSVs + upload.csv), as_of_date = 2026-06-01.

    last window      [2026-05-02, 2026-06-01)     (behaviour part, at the end of this file)
    previous window  [2026-04-02, 2026-05-02)
    RFM lookback     [2025-06-01, 2026-06-01)     (365 days)

Organisations
    TEL = 7e1e...000a  org_type " Telecom "  -> telecom   (11 valid customers, n-1 = 10)
    ECO = ec00...000b  org_type "ECOMMERCE"  -> ecommerce ( 5 valid customers, n-1 = 4)
    BAD = bad0...000c  org_type "retail"     -> rejected (and its one customer with it)
    BNK = ba00...000d  org_type "Banking "   -> banking   (11 valid customers, n-1 = 10)
    TLB = 7e1e...000e  org_type empty        -> telecom   ( 5 valid customers, n-1 = 4)
    ECB = ec00...000f  org_type " eCommerce " -> ecommerce ( 3 valid customers, n-1 = 2)
BNK, TLB and ECB were added for the behaviour marts (rules section 7, second half of this file).
They are separate organisations so that nothing of TEL/ECO changes (tenant isolation; as_of_date
is fixed by var). BNK's CUST_001 shares its external_id with TEL's and ECO's: the upload
(TEL's) must not touch it.
The upload (upload.csv) belongs to TEL (var churn_upload_organization_id). CUST_001 exists in
both TEL and ECO; CUST_012 exists only in ECO.

Mid-rank score: score(x) = 100 * (count(y < x) + 0.5 * (count(y = x) - 1)) / (n - 1)
  TEL (n = 11): score = 10 * less + 5 * (ties - 1)
  ECO (n = 5):  score = 25 * less + 12.5 * (ties - 1)
  BNK (n = 11): score = 10 * less + 5 * (ties - 1)
  TLB (n = 5):  score = 25 * less + 12.5 * (ties - 1)
  ECB (n = 3):  score = 50 * less + 25 * (ties - 1)
For recency "less" means "worse" = more days or NULL.
Categories: High > 70, Medium 30..70 (inclusive), Low < 30.
"""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from dbt_runner import make_project

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "handmade"
AS_OF = "2026-06-01"
TEL = "7e1e0000-0000-4000-8000-00000000000a"
ECO = "ec000000-0000-4000-8000-00000000000b"
BAD = "bad00000-0000-4000-8000-00000000000c"
T6_UUID = "a1000000-0000-4000-8000-000000000006"
BNK = "ba000000-0000-4000-8000-00000000000d"
TLB = "7e1e0000-0000-4000-8000-00000000000e"
ECB = "ec000000-0000-4000-8000-00000000000f"


# =====================================================================================
# TELECOM (value events: bill_payment, topup). Valid events per customer, lookback only
# (events outside [2025-06-01, 2026-06-01) are noted but do not count in R/F/M/E):
#
# T1  CUST_001  signup 2025-01-15. bill_payment 40 on 01-29, 02-27, 03-29, 04-28, 05-29;
#               data_usage + call both on 05-20; topup 100 on 2026-06-01 08:00 (= as_of,
#               excluded); BAD-NEGQ (quantity -5) rejected.
#               recency 3 (05-29), F 5, M 200.00, E = {01-29,02-27,03-29,04-28,05-29,05-20} = 6
#               tenure = 2026-06-01 - 2025-01-15 = 502
# T2  CUST_002  signup 2024-06-10. topup 50 on 05-29, 05-15; bill_payment 50 on 04-15,
#               03-15, 02-15; sms on 05-15 (same day). BAD-FUTURE (2099) rejected.
#               recency 3, F 5, M 250.00, E 5, tenure = 721
# T3  CUST_003  signup 2025-03-01. bill_payment 15 on 2025-11-13, bill_payment NULL amount on
#               2025-10-13 (counts as 0), support_contact 2026-05-25.
#               recency 200 (2025-11-13), F 2, M 15.00, E 3, tenure 457
# T4  CUST_004  no signup. topup 25 + call on 2025-11-13; call on 2025-05-01 (before the
#               lookback: not in E, but first event for tenure).
#               recency 200, F 1, M 25.00, E 1, tenure = 2026-06-01 - 2025-05-01 = 396
# T5  CUST_005  signup 2025-09-01. only data_usage 05-10, data_usage 04-10, call 03-10
#               (BAD-TYPE 'purchase' is rejected: not a telecom type).
#               recency NULL, F 0, M 0, E 3, tenure 273
# T6  CUST_006  signup 2026-05-02. " TopUp " 20 on 05-31 (normalised to topup), data_usage
#               05-31, sms 05-05.  recency 1, F 1, M 20.00, E 2, tenure 30
# T7  CUST_007  signup 2026-05-10, but sms on 2026-05-01 (before signup: valid, counts for
#               tenure), topup 20 on 05-29.  recency 3, F 1, M 20.00, E 2,
#               tenure = 2026-06-01 - 2026-05-01 = 31
# T8  CUST_008  signup 2025-12-01. T8-01 appears twice: 05-30 amount 999 (first in the file)
#               and 05-29 amount 30 -> the first BY occurred_at (05-29, 30) is kept, the 05-30
#               copy rejected. topup 30 on 05-29, 04-29, 03-29; data_usage 05-20.
#               recency 3, F 3, M 90.00, E 4, tenure 182
# T9  CUST_009  signup 2025-08-15. bill_payment 10.10 on 04-17, 20.20 on 03-17; call 05-20.
#               recency 45, F 2, M = round(10.1 + 20.2 = 30.299999999999997, 2) = 30.30,
#               E 3, tenure 290
# T10 CUST_010  no signup. topup 30.30 on 2026-04-02 00:00; data_usage 2025-06-01 00:00
#               (first instant of the lookback: counts in E); data_usage 2025-05-31 23:59:59
#               (outside the lookback; first event for tenure).
#               recency 60, F 1, M 30.30 (ties T9 exactly), E 2, tenure = 366
# T11 CUST_011  signup 2025-04-01. T11-01 appears twice: 05-10 amount -45 (rejected: negative)
#               and 05-12 amount 45 -> the negative copy fails validation first, so the 05-12
#               copy is the only one that passed and is kept (no duplicate reject).
#               topup 45 on 05-12, 04-12, 03-12, 02-12; topup 45 on 2025-03-01 (outside the
#               lookback: not in F/M, but first event for tenure); roaming 05-12.
#               recency 20, F 4, M 180.00, E 4, tenure = 2026-06-01 - 2025-03-01 = 457
#
# Recency (days; fewer is better; NULL worst):
#   T6 1 | T1,T2,T7,T8 3 | T11 20 | T9 45 | T10 60 | T3,T4 200 | T5 NULL
#   T6: worse 10                       -> 100
#   T1,T2,T7,T8: worse 6, ties 4       -> 60 + 15 = 75   (High)
#   T11: worse 5 -> 50;  T9: worse 4 -> 40;  T10: worse 3 -> 30 (Medium, boundary)
#   T3,T4: worse 1 (T5), ties 2        -> 10 + 5 = 15
#   T5: 0
# Frequency: T5 0 | T4,T6,T7,T10 1 | T3,T9 2 | T8 3 | T11 4 | T1,T2 5
#   T5 0;  1s: less 1, ties 4 -> 10 + 15 = 25;  2s: less 5, ties 2 -> 55;
#   T8: less 7 -> 70 (Medium, boundary);  T11: less 8 -> 80;  5s: less 9, ties 2 -> 95
# Monetary: T5 0 | T3 15 | T6,T7 20 | T4 25 | T9,T10 30.30 | T8 90 | T11 180 | T1 200 | T2 250
#   T5 0; T3 10; T6,T7: less 2, ties 2 -> 25; T4: less 4 -> 40; T9,T10: less 5, ties 2 -> 55;
#   T8: less 7 -> 70 (Medium); T11 80; T1 90; T2 100
# Engagement: T4 1 | T6,T7,T10 2 | T3,T5,T9 3 | T8,T11 4 | T2 5 | T1 6
#   T4 0; 2s: less 1, ties 3 -> 10 + 10 = 20; 3s: less 4, ties 3 -> 50;
#   4s: less 7, ties 2 -> 75; T2 90; T1 100
#
# Churn (upload first, then latest valid churn_predictions, no model: n < clv_min_customers 50)
#   T1  upload 0.1   -> Low    (its churn_predictions 0.9 is overridden by the upload)
#   T2  upload 0.8   -> Critical
#   T3  upload 0.5 and 0.7 conflict -> both rejected; no prediction -> Unknown (NULL)
#   T4  upload 0.6   -> High
#   T5  upload with empty score -> rejected -> Unknown
#   T6  upload by customer UUID 0.2 -> Low
#   T7  upload 1.5 out of range -> rejected -> Unknown
#   T8  upload 0.4 and 0.40 (equal: counted once, no error) -> 0.4 Medium
#   T9  upload 0.2 and 0.25 conflict -> both rejected -> churn_predictions: 0.9 @04-01,
#       0.45 @05-01 -> latest 0.45, source churn_prediction -> Medium
#   T10 upload 'abc' rejected, 0.55 valid (only valid row) -> 0.55 High
#   T11 upload 0.3 -> Medium (boundary 0.3)
#
# Segments (first matching rule):
#   T1  R75 H, F95 H, M90 H, E100 H, C Low      -> r1 no (R not Low, C not Crit), r2 no,
#                                                  r5 R=H,F=H,M=H,C=Low -> Champions
#   T2  R75 H, F95 H, M100 H, E90 H, C Critical -> r1 -> Cannot Lose Them
#   T3  R15 L, F55 M, M10 L, E50 M, C Unknown   -> r1 no (M Low), r2 F=M & R=L -> At Risk
#   T4  R15 L, F25 L, M40 M, E0 L, C High       -> r2 no (F Low), r3 -> Lost
#   T5  R0 L, F0 L, M0 L, E50 M, C Unknown      -> r3 no (Unknown), r4 -> Hibernating
#   T6  R100 H, F25 L, M25 L, E20 L, C Low, tenure 30 -> r7 -> New Customers
#   T7  R75 H, F25 L, M25 L, E20 L, C Unknown, tenure 31 -> r7 no, r8 no, r9 -> Promising
#   T8  R75 H, F70 M, M70 M, E75 H, C Medium    -> r2 no, r5/r6 no (F Medium), r7 no,
#                                                  r8 F=M & R=H -> Potential Loyalists
#   T9  R40 M, F55 M, M55 M, E50 M, C Medium    -> r2 no, r8 no (R, E Medium) -> r10 Need Attention
#   T10 R30 M, F25 L, M55 M, E20 L, C High      -> r2 no (F Low), r3/r4 no (R Medium) -> r11 About to Sleep
#   T11 R50 M, F80 H, M80 H, E75 H, C Medium    -> r1 no, r2 no, r5 no (R Medium), r6 -> Loyal Customers
#
# rfm_score = mean of the four scores; segment_score = round(0.7 rfm + 30 (1 - churn), 2), churn 0.5
# when unknown; revenue_at_risk = round(monetary * churn, 2), 0 when unknown.
#   T1  (75+95+90+100)/4 = 90     ; 63     + 30*0.9 = 27   -> 90.00 ; 200*0.1 = 20.00
#   T2  (75+95+100+90)/4 = 90     ; 63     + 30*0.2 = 6    -> 69.00 ; 250*0.8 = 200.00
#   T3  (15+55+10+50)/4 = 32.5    ; 22.75  + 15            -> 37.75 ; 0
#   T4  (15+25+40+0)/4 = 20       ; 14     + 30*0.4 = 12   -> 26.00 ; 25*0.6 = 15.00
#   T5  (0+0+0+50)/4 = 12.5       ; 8.75   + 15            -> 23.75 ; 0
#   T6  (100+25+25+20)/4 = 42.5   ; 29.75  + 30*0.8 = 24   -> 53.75 ; 20*0.2 = 4.00
#   T7  (75+25+25+20)/4 = 36.25   ; 25.375 + 15            -> 40.38 (40.375) ; 0
#   T8  (75+70+70+75)/4 = 72.5    ; 50.75  + 30*0.6 = 18   -> 68.75 ; 90*0.4 = 36.00
#   T9  (40+55+55+50)/4 = 50      ; 35     + 30*0.55 = 16.5 -> 51.50 ; 30.3*0.45 = 13.635 -> 13.64
#   T10 (30+25+55+20)/4 = 32.5    ; 22.75  + 30*0.45 = 13.5 -> 36.25 ; 30.3*0.55 = 16.665 -> 16.67
#   T11 (50+80+80+75)/4 = 71.25   ; 49.875 + 30*0.7 = 21   -> 70.88 (70.875) ; 180*0.3 = 54.00
#
# =====================================================================================
# ECOMMERCE (value events: purchase), n = 5, churn from churn_predictions only.
#
# E1 CUST_001 signup 2025-10-01. purchase 100 (05-27), 50 (04-27), 25.5 (03-27); view 05-27,
#             cart 05-26.  recency 5, F 3, M 175.50, E 4, tenure 243
# E2 CUST_012 signup 2025-01-01. purchase 300 (2026-03-03), 20 (2026-01-03); view 05-01.
#             recency 90, F 2, M 320.00, E 3, tenure 516
# E3 CUST_014 signup 2026-05-20. purchase 60 (05-27).  recency 5, F 1, M 60, E 1, tenure 12
# E4 CUST_015 signup 2025-06-15. purchase 175.5 (2026-01-02); views 05-10, 05-11, 05-12
#             (BAD-ETYPE 'topup' rejected: not an ecommerce type).
#             recency 150, F 1, M 175.50, E 4, tenure 351
# E5 CUST_016 no signup, no events.  recency NULL, F 0, M 0, E 0, tenure NULL
#
# R: E1,E3 5 -> worse 3, ties 2 -> 75 + 12.5 = 87.5; E2 90 -> 50; E4 150 -> 25; E5 NULL -> 0
# F: E5 0 -> 0; E3,E4 1 -> less 1, ties 2 -> 37.5; E2 2 -> less 3 -> 75 (High); E1 3 -> 100
# M: E5 0 -> 0; E3 60 -> 25; E1,E4 175.5 -> less 2, ties 2 -> 62.5; E2 320 -> 100
# E: E5 0 -> 0; E3 1 -> 25; E2 3 -> 50; E1,E4 4 -> less 3, ties 2 -> 87.5
#
# Churn (churn_predictions; latest predicted_at, ties -> larger probability):
#   E1 0.9 @03-01, 0.2 @05-01, 0.35 @05-01 -> 0.35 (Medium). (Upload CUST_001 is TEL's only.)
#   E2 0.1 @02-01, 0.75 @05-15 -> 0.75 (Critical)
#   E3 none -> Unknown
#   E4 0.5 @04-01 valid; 0.05 @NULL and 1.2 @05-20 rejected -> 0.5 (High)
#   E5 only a row with missing probability (rejected) -> Unknown
#
# Segments:
#   E1 R87.5 H, F100 H, M62.5 M, E87.5 H, C Medium -> r5 no (C Medium), r6 -> Loyal Customers
#   E2 R50 M, F75 H, M100 H, E50 M, C Critical     -> r1 -> Cannot Lose Them
#   E3 R87.5 H, F37.5 M, M25 L, E25 L, C Unknown   -> r2 no, r7 no (F Medium), r8 -> Potential Loyalists
#   E4 R25 L, F37.5 M, M62.5 M, E87.5 H, C High    -> r1 no (M Medium), r2 -> At Risk
#   E5 R0 L, F0 L, M0 L, E0 L, C Unknown           -> r3 no (Unknown), r4 -> Hibernating
#
#   E1 (87.5+100+62.5+87.5)/4 = 84.375 ; 59.0625 + 30*0.65 = 19.5 -> 78.56 ; 175.5*0.35 = 61.425 -> 61.43
#   E2 (50+75+100+50)/4 = 68.75        ; 48.125  + 30*0.25 = 7.5  -> 55.63 (55.625) ; 320*0.75 = 240.00
#   E3 (87.5+37.5+25+25)/4 = 43.75     ; 30.625  + 15             -> 45.63 (45.625) ; 0
#   E4 (25+37.5+62.5+87.5)/4 = 53.125  ; 37.1875 + 30*0.5 = 15    -> 52.19 ; 175.5*0.5 = 87.75
#   E5 0                               ; 0       + 15             -> 15.00 ; 0
#
# =====================================================================================
# BANKING BNK (value events: transaction), n = 11, no churn source at all (no upload row, no
# churn_predictions, no model: n < 50) -> churn Unknown, segment_score = 0.7 rfm + 15.
# Event ids B<k>-<nn> in transactions.csv; the windows matter only for the behaviour part.
#
# B1  CUST_001 signup 2025-02-01. transactions 80 savings (03-01), 100 checking (04-05, 04-15,
#              04-25), 240 " Checking " (05-10); logins 04-02 00:00, 04-10, 04-20, 05-01 23:59:59,
#              05-02 00:00, "LOGIN" 05-20, 06-01 00:00 (= as_of: excluded); feature_use 04-06,
#              04-16, 05-16; support_contact 04-07, 05-21, 05-22, 05-23; balance_check 05-11..05-15.
#              recency 22 (05-10), F 5, M 620.00, E = 1 (03-01) + 10 (prev) + 12 (last) = 23,
#              tenure 485 (signup)
# B2  CUST_102 no signup. 15 events on 04-03..04-17 and 12 on 05-03..05-14, one a day;
#              transactions 50 (04-07), 50 (04-08), 60 (05-06), 60 (05-07).
#              recency 25, F 4, M 220.00, E 27, tenure = 06-01 - 04-03 = 59
# B3  CUST_103 signup 2025-12-01. transaction 200 (03-15), login 04-01 23:59:59.
#              recency 78, F 1, M 200.00, E 2, tenure 182
# B4  CUST_104 signup 2026-01-10. Only B4-01 (amount -10): rejected -> no valid event.
#              recency NULL, F 0, M 0, E 0, tenure 142
# B5  CUST_105 signup 2026-04-20 (events from 04-03: earlier). transactions 25 on 04-03, 04-04,
#              04-05, 04-06, 05-05, 05-06; support 04-06, 04-07, 05-05 x2, 05-07, 05-08.
#              recency 26, F 6, M 150.00, E = 5 + 4 = 9, tenure 59
# B6  CUST_106 signup 2026-05-15. login 05-20, transaction 30 (05-21). recency 11, F 1, M 30, E 2,
#              tenure 17
# B7  CUST_107 no signup. login + transaction 30 on 05-22. recency 10, F 1, M 30, E 1, tenure 10
# B8  CUST_108 signup 2025-06-01. login 04-20.        recency NULL, F 0, M 0, E 1, tenure 365
# B9  CUST_109 no signup.  login 04-21.               recency NULL, F 0, M 0, E 1, tenure 41
# B10 CUST_110 signup 2025-09-01. logins 04-20, 05-20. recency NULL, F 0, M 0, E 2, tenure 273
# B11 CUST_111 signup 2025-09-01. logins 04-22, 05-22. recency NULL, F 0, M 0, E 2, tenure 273
#
# R: B7 10 -> worse 10 -> 100; B6 11 -> 90; B1 22 -> 80; B2 25 -> 70 (Medium, boundary);
#    B5 26 -> 60; B3 78 -> 50; NULL x5 (B4, B8..B11): less 0, ties 5 -> 0 + 5*4 = 20
# F: 0 x5 -> 20; 1 (B3, B6, B7): less 5, ties 3 -> 50 + 10 = 60; B2 4 -> 80; B1 5 -> 90; B5 6 -> 100
# M: 0 x5 -> 20; 30 (B6, B7): less 5, ties 2 -> 55; B5 150 -> 70 (Medium, boundary); B3 200 -> 80;
#    B2 220 -> 90; B1 620 -> 100
# E: B4 0 -> 0; 1 (B7, B8, B9): less 1, ties 3 -> 10 + 10 = 20; 2 (B3, B6, B10, B11): less 4,
#    ties 4 -> 40 + 15 = 55; B5 9 -> 80; B1 23 -> 90; B2 27 -> 100
#
#   B1  R80 H, F90 H, M100 H, E90 H, C Unknown -> r1 no (R High, C Unknown), r5 -> Champions
#   B2  R70 M, F80 H, M90 H, E100 H            -> r1/r2 no (R not Low, C Unknown), r5 no (R Medium),
#                                                 r6 -> Loyal Customers
#   B3  R50 M, F60 M, M80 H, E55 M             -> r1/r2 no, r8 no (R, E Medium), r10 -> Need Attention
#   B4  R20 L, F20 L, M20 L, E0 L              -> r3 no (Unknown), r4 -> Hibernating
#   B5  R60 M, F100 H, M70 M, E80 H            -> r6 -> Loyal Customers
#   B6  R90 H, F60 M, M55 M, E55 M, tenure 17  -> r7 no (F Medium), r8 -> Potential Loyalists
#   B7  R100 H, F60 M, M55 M, E20 L            -> r8 -> Potential Loyalists
#   B8, B9   R20 L, F20 L, M20 L, E20 L        -> r4 -> Hibernating
#   B10, B11 R20 L, F20 L, M20 L, E55 M        -> r4 -> Hibernating
#
#   B1  (80+90+100+90)/4 = 90      ; 63     + 15 -> 78.00
#   B2  (70+80+90+100)/4 = 85      ; 59.5   + 15 -> 74.50
#   B3  (50+60+80+55)/4 = 61.25    ; 42.875 + 15 -> 57.88 (57.875)
#   B4  (20+20+20+0)/4 = 15        ; 10.5   + 15 -> 25.50
#   B5  (60+100+70+80)/4 = 77.5    ; 54.25  + 15 -> 69.25
#   B6  (90+60+55+55)/4 = 65       ; 45.5   + 15 -> 60.50
#   B7  (100+60+55+20)/4 = 58.75   ; 41.125 + 15 -> 56.13 (56.125)
#   B8, B9   20                    ; 14     + 15 -> 29.00
#   B10, B11 (20+20+20+55)/4 = 28.75 ; 20.125 + 15 -> 35.13 (35.125)
#   revenue_at_risk 0 everywhere (no churn score).
#
# =====================================================================================
# TELECOM TLB (org_type empty -> telecom), n = 5, churn Unknown for all.
#
# L1 CUST_201 signup 2025-11-01. bill_payment 50 (04-02 00:00), 60 (05-02 00:00); events on
#             04-02, 04-03, 04-04, 04-13, 04-14, 05-02, 05-03, 05-04, 05-13, 05-20, 05-25.
#             recency 30, F 2, M 110.00, E 11, tenure 212
# L2 CUST_202 signup 2024-01-01. bill_payment 40 on 04-01, 04-20, 05-20; events on 04-01, 04-05,
#             04-06, 04-20, 04-25, 05-05, 05-06, 05-07, 05-08, 05-20.
#             recency 12, F 3, M 120.00, E 10, tenure 882
# L3 CUST_203 no signup. data_usage + sms 04-10, topup 20 04-11.
#             recency 51, F 1, M 20.00, E 2, tenure = 06-01 - 04-10 = 52
# L4 CUST_204 signup 2026-05-10. sms 05-15.  recency NULL, F 0, M 0, E 1, tenure 22
# L5 CUST_205 signup 2026-05-01. only topup 10 at 2026-06-01 00:00 (= as_of: excluded).
#             recency NULL, F 0, M 0, E 0, tenure 31 (signup; earlier than the event anyway)
#
# R: L2 12 -> worse 4 -> 100; L1 30 -> 75; L3 51 -> 50; L4, L5 NULL: ties 2 -> 12.5
# F: L4, L5 0 -> 12.5; L3 1 -> 50; L1 2 -> 75; L2 3 -> 100
# M: L4, L5 0 -> 12.5; L3 20 -> 50; L1 110 -> 75; L2 120 -> 100
# E: L5 0 -> 0; L4 1 -> 25; L3 2 -> 50; L2 10 -> 75; L1 11 -> 100
#
#   L1 R75 H, F75 H, M75 H, E100 H, C Unknown -> r1 no, r2 no, r5 -> Champions
#   L2 R100 H, F100 H, M100 H, E75 H          -> r5 -> Champions
#   L3 R50 M, F50 M, M50 M, E50 M             -> r8 no, r10 -> Need Attention
#   L4 R12.5 L, F12.5 L, M12.5 L, E25 L       -> r4 -> Hibernating
#   L5 R12.5 L, F12.5 L, M12.5 L, E0 L        -> r4 -> Hibernating
#
#   L1 (75+75+75+100)/4 = 81.25    ; 56.875  + 15 -> 71.88 (71.875)
#   L2 (100+100+100+75)/4 = 93.75  ; 65.625  + 15 -> 80.63 (80.625)
#   L3 50                          ; 35      + 15 -> 50.00
#   L4 (12.5*3+25)/4 = 15.625      ; 10.9375 + 15 -> 25.94
#   L5 (12.5*3+0)/4 = 9.375        ; 6.5625  + 15 -> 21.56
#
# =====================================================================================
# ECOMMERCE ECB (org_type " eCommerce "), n = 3, churn Unknown for all.
#
# C1 CUST_301 signup 2025-12-01. purchases 50 (04-05), 50 (04-15), 20 (05-05), 15 (05-06), 10 (05-07);
#             events on 04-05, 04-15, 05-05, 05-06, 05-07, 05-10, 05-11.
#             recency 25, F 5, M 145.00, E 7, tenure 182
# C2 CUST_302 signup 2026-04-10. purchases 30 on 04-10, 04-11, 04-12; return 04-20; views/carts 05-15.
#             recency 50, F 3, M 90.00, E 5, tenure 52
# C3 CUST_303 no signup. return 04-01 (first event); purchases 100 (04-03), 100 (04-04), 70 (05-03);
#             events on 04-01, 04-03, 04-04, 05-03, 05-04, 05-05.
#             recency 29, F 3, M 270.00, E 6, tenure = 06-01 - 04-01 = 61
#
# R: C1 25 -> worse 2 -> 100; C3 29 -> 50; C2 50 -> 0
# F: C2, C3 3 -> ties 2 -> 25; C1 5 -> 100
# M: C2 90 -> 0; C1 145 -> 50; C3 270 -> 100
# E: C2 5 -> 0; C3 6 -> 50; C1 7 -> 100
#
#   C1 R100 H, F100 H, M50 M, E100 H, C Unknown -> r1 no (M Medium), r5 (M Medium ok) -> Champions
#   C2 R0 L, F25 L, M0 L, E0 L                  -> r3 no (Unknown), r4 -> Hibernating
#   C3 R50 M, F25 L, M100 H, E50 M              -> r1/r2 no (F Low), r3/r4 no, r5..r10 no -> r11 About to Sleep
#
#   C1 (100+100+50+100)/4 = 87.5 ; 61.25  + 15 -> 76.25
#   C2 (0+25+0+0)/4 = 6.25       ; 4.375  + 15 -> 19.38 (19.375)
#   C3 (50+25+100+50)/4 = 56.25  ; 39.375 + 15 -> 54.38 (54.375)
# =====================================================================================

COLS = ("segment", "recency_days", "frequency", "monetary", "engagement",
        "recency_score", "frequency_score", "monetary_score", "engagement_score",
        "r_category", "f_category", "m_category", "e_category",
        "rfm_score", "segment_score", "tenure_days",
        "churn_score", "churn_score_source", "churn_risk_level", "revenue_at_risk")

H, M, L = "High", "Medium", "Low"
UP, CP = "upload", "churn_prediction"

# (org, external_id): segment, rec, F, M, E, Rs, Fs, Ms, Es, R, F, M, E, rfm, seg_score, tenure, churn, source, risk, rev_at_risk
EXPECTED = {
    (TEL, "CUST_001"): ("Champions",           3,    5, 200.00, 6, 75,  95,  90,  100, H, H, H, H, 90.00, 90.00, 502, 0.1,  UP, "Low",      20.00),
    (TEL, "CUST_002"): ("Cannot Lose Them",    3,    5, 250.00, 5, 75,  95,  100, 90,  H, H, H, H, 90.00, 69.00, 721, 0.8,  UP, "Critical", 200.00),
    (TEL, "CUST_003"): ("At Risk",             200,  2, 15.00,  3, 15,  55,  10,  50,  L, M, L, M, 32.50, 37.75, 457, None, None, "Unknown", 0.00),
    (TEL, "CUST_004"): ("Lost",                200,  1, 25.00,  1, 15,  25,  40,  0,   L, L, M, L, 20.00, 26.00, 396, 0.6,  UP, "High",     15.00),
    (TEL, "CUST_005"): ("Hibernating",         None, 0, 0.00,   3, 0,   0,   0,   50,  L, L, L, M, 12.50, 23.75, 273, None, None, "Unknown", 0.00),
    (TEL, "CUST_006"): ("New Customers",       1,    1, 20.00,  2, 100, 25,  25,  20,  H, L, L, L, 42.50, 53.75, 30,  0.2,  UP, "Low",      4.00),
    (TEL, "CUST_007"): ("Promising",           3,    1, 20.00,  2, 75,  25,  25,  20,  H, L, L, L, 36.25, 40.375, 31, None, None, "Unknown", 0.00),
    (TEL, "CUST_008"): ("Potential Loyalists", 3,    3, 90.00,  4, 75,  70,  70,  75,  H, M, M, H, 72.50, 68.75, 182, 0.4,  UP, "Medium",   36.00),
    (TEL, "CUST_009"): ("Need Attention",      45,   2, 30.30,  3, 40,  55,  55,  50,  M, M, M, M, 50.00, 51.50, 290, 0.45, CP, "Medium",   13.635),
    (TEL, "CUST_010"): ("About to Sleep",      60,   1, 30.30,  2, 30,  25,  55,  20,  M, L, M, L, 32.50, 36.25, 366, 0.55, UP, "High",     16.665),
    (TEL, "CUST_011"): ("Loyal Customers",     20,   4, 180.00, 4, 50,  80,  80,  75,  M, H, H, H, 71.25, 70.875, 457, 0.3, UP, "Medium",   54.00),
    (ECO, "CUST_001"): ("Loyal Customers",     5,    3, 175.50, 4, 87.5, 100, 62.5, 87.5, H, H, M, H, 84.375, 78.5625, 243, 0.35, CP, "Medium", 61.425),
    (ECO, "CUST_012"): ("Cannot Lose Them",    90,   2, 320.00, 3, 50,  75,  100, 50,  M, H, H, M, 68.75, 55.625, 516, 0.75, CP, "Critical", 240.00),
    (ECO, "CUST_014"): ("Potential Loyalists", 5,    1, 60.00,  1, 87.5, 37.5, 25, 25,  H, M, L, L, 43.75, 45.625, 12,  None, None, "Unknown", 0.00),
    (ECO, "CUST_015"): ("At Risk",             150,  1, 175.50, 4, 25,  37.5, 62.5, 87.5, L, M, M, H, 53.125, 52.1875, 351, 0.5, CP, "High",   87.75),
    (ECO, "CUST_016"): ("Hibernating",         None, 0, 0.00,   0, 0,   0,   0,   0,   L, L, L, L, 0.00,  15.00, None, None, None, "Unknown", 0.00),
    # BNK, TLB, ECB: no churn score anywhere -> churn None, source None, Unknown, revenue 0
    (BNK, "CUST_001"): ("Champions",           22,   5, 620.00, 23, 80,  90,  100, 90,  H, H, H, H, 90.00, 78.00, 485, None, None, "Unknown", 0.00),
    (BNK, "CUST_102"): ("Loyal Customers",     25,   4, 220.00, 27, 70,  80,  90,  100, M, H, H, H, 85.00, 74.50, 59,  None, None, "Unknown", 0.00),
    (BNK, "CUST_103"): ("Need Attention",      78,   1, 200.00, 2,  50,  60,  80,  55,  M, M, H, M, 61.25, 57.875, 182, None, None, "Unknown", 0.00),
    (BNK, "CUST_104"): ("Hibernating",         None, 0, 0.00,   0,  20,  20,  20,  0,   L, L, L, L, 15.00, 25.50, 142, None, None, "Unknown", 0.00),
    (BNK, "CUST_105"): ("Loyal Customers",     26,   6, 150.00, 9,  60,  100, 70,  80,  M, H, M, H, 77.50, 69.25, 59,  None, None, "Unknown", 0.00),
    (BNK, "CUST_106"): ("Potential Loyalists", 11,   1, 30.00,  2,  90,  60,  55,  55,  H, M, M, M, 65.00, 60.50, 17,  None, None, "Unknown", 0.00),
    (BNK, "CUST_107"): ("Potential Loyalists", 10,   1, 30.00,  1,  100, 60,  55,  20,  H, M, M, L, 58.75, 56.125, 10, None, None, "Unknown", 0.00),
    (BNK, "CUST_108"): ("Hibernating",         None, 0, 0.00,   1,  20,  20,  20,  20,  L, L, L, L, 20.00, 29.00, 365, None, None, "Unknown", 0.00),
    (BNK, "CUST_109"): ("Hibernating",         None, 0, 0.00,   1,  20,  20,  20,  20,  L, L, L, L, 20.00, 29.00, 41,  None, None, "Unknown", 0.00),
    (BNK, "CUST_110"): ("Hibernating",         None, 0, 0.00,   2,  20,  20,  20,  55,  L, L, L, M, 28.75, 35.125, 273, None, None, "Unknown", 0.00),
    (BNK, "CUST_111"): ("Hibernating",         None, 0, 0.00,   2,  20,  20,  20,  55,  L, L, L, M, 28.75, 35.125, 273, None, None, "Unknown", 0.00),
    (TLB, "CUST_201"): ("Champions",           30,   2, 110.00, 11, 75,  75,  75,  100, H, H, H, H, 81.25, 71.875, 212, None, None, "Unknown", 0.00),
    (TLB, "CUST_202"): ("Champions",           12,   3, 120.00, 10, 100, 100, 100, 75,  H, H, H, H, 93.75, 80.625, 882, None, None, "Unknown", 0.00),
    (TLB, "CUST_203"): ("Need Attention",      51,   1, 20.00,  2,  50,  50,  50,  50,  M, M, M, M, 50.00, 50.00, 52,  None, None, "Unknown", 0.00),
    (TLB, "CUST_204"): ("Hibernating",         None, 0, 0.00,   1,  12.5, 12.5, 12.5, 25, L, L, L, L, 15.625, 25.9375, 22, None, None, "Unknown", 0.00),
    (TLB, "CUST_205"): ("Hibernating",         None, 0, 0.00,   0,  12.5, 12.5, 12.5, 0,  L, L, L, L, 9.375, 21.5625, 31, None, None, "Unknown", 0.00),
    (ECB, "CUST_301"): ("Champions",           25,   5, 145.00, 7,  100, 100, 50,  100, H, H, M, H, 87.50, 76.25, 182, None, None, "Unknown", 0.00),
    (ECB, "CUST_302"): ("Hibernating",         50,   3, 90.00,  5,  0,   25,  0,   0,   L, L, L, L, 6.25,  19.375, 52, None, None, "Unknown", 0.00),
    (ECB, "CUST_303"): ("About to Sleep",      29,   3, 270.00, 6,  50,  25,  100, 50,  M, L, H, M, 56.25, 54.375, 61, None, None, "Unknown", 0.00),
}
EXPECTED = {k: dict(zip(COLS, v)) for k, v in EXPECTED.items()}

ORG_TYPE = {TEL: "telecom", ECO: "ecommerce", BNK: "banking", TLB: "telecom", ECB: "ecommerce"}

SEGMENT_ORDER = {
    "Champions": 1, "Loyal Customers": 2, "Potential Loyalists": 3, "New Customers": 4,
    "Promising": 5, "Need Attention": 6, "About to Sleep": 7, "At Risk": 8,
    "Cannot Lose Them": 9, "Hibernating": 10, "Lost": 11,
}

# Values where x.xx5 may round either way in binary floating point get a 0.01 tolerance; all
# scores and money use it (the brief: within 0.01).
TOL = 0.0101


def _f(x):
    return None if x is None else float(x)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("handmade")
    raw = tmp / "raw"
    raw.mkdir()
    for name in ("organizations", "customers", "transactions", "churn_predictions"):
        shutil.copy2(FIXTURE / f"{name}.csv", raw / f"{name}.csv")
    proj = make_project(tmp, raw, upload_csv=FIXTURE / "upload.csv")
    # check=False: a failing dbt data test must not hide the value comparisons below;
    # test_build_succeeds reports the build itself.
    proj.build_result = proj.build(vars={"as_of_date": AS_OF, "churn_upload_organization_id": TEL}, check=False)
    return proj


def test_build_succeeds(project):
    proc = project.build_result
    assert proc.returncode == 0, proc.stdout[-6000:]


@pytest.fixture(scope="module")
def segments(project):
    rows = project.query("select * from marts.customer_segments")
    return {(r["organization_id"], r["external_id"]): r for r in rows}


# ---------------------------------------------------------------------------------------
# customer_segments
# ---------------------------------------------------------------------------------------

def test_exactly_the_valid_customers_are_segmented(segments):
    # 19 raw customers: BAD org's customer and both CUST_013 copies in TEL are rejected.
    assert sorted(segments) == sorted(EXPECTED)


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda k: f"{ORG_TYPE[k[0]]}-{k[1]}")
def test_customer_row(segments, key):
    exp = EXPECTED[key]
    row = segments[key]
    problems = []

    def check(col, ok):
        if not ok:
            problems.append(f"{col}: expected {exp[col]!r}, got {row[col]!r}")

    for col in ("segment", "r_category", "f_category", "m_category", "e_category",
                "churn_score_source", "churn_risk_level"):
        check(col, row[col] == exp[col])
    for col in ("recency_days", "frequency", "engagement", "tenure_days"):
        got = row[col]
        check(col, (got is None and exp[col] is None)
              or (got is not None and exp[col] is not None and float(got) == exp[col]))
    check("monetary", row["monetary"] is not None and abs(float(row["monetary"]) - exp["monetary"]) < 1e-6)
    for col in ("recency_score", "frequency_score", "monetary_score", "engagement_score",
                "rfm_score", "segment_score", "revenue_at_risk"):
        got = _f(row[col])
        check(col, got is not None and abs(got - exp[col]) <= TOL)
    if exp["churn_score"] is None:
        check("churn_score", row["churn_score"] is None)
    else:
        check("churn_score", row["churn_score"] is not None and abs(float(row["churn_score"]) - exp["churn_score"]) < 1e-9)
    assert not problems, f"{key}:\n  " + "\n  ".join(problems)


def test_customer_row_extras(segments):
    """org_type normalised, JSON columns consistent, as_of_date, descriptions filled."""
    for (org, ext), row in segments.items():
        exp = EXPECTED[(org, ext)]
        assert row["org_type"] == ORG_TYPE[org], (org, ext)
        assert str(row["as_of_date"])[:10] == AS_OF, (org, ext)
        cats = json.loads(row["rfm_category"])
        assert cats == {"R": exp["r_category"], "F": exp["f_category"],
                        "M": exp["m_category"], "E": exp["e_category"]}, (org, ext)
        meta = json.loads(row["metadata"])
        assert meta["description"] == row["segment_description"] and row["segment_description"]
        assert meta["action"] == row["recommended_action"] and row["recommended_action"]


def test_monetary_ties_are_exact(segments):
    # 10.10 + 20.20 = 30.299999999999997 in binary; rounded to 2 decimals it must equal 30.30.
    assert float(segments[(TEL, "CUST_009")]["monetary"]) == float(segments[(TEL, "CUST_010")]["monetary"])


# ---------------------------------------------------------------------------------------
# segmentation_errors
# ---------------------------------------------------------------------------------------

def test_segmentation_errors(project):
    rows = project.query("select organization_id, customer_ref, error_code, message from marts.segmentation_errors")
    # 17 upload rows; rejected: CUST_999 (not found), CUST_012 (exists only in ECO: not found in
    # TEL), CUST_007 1.5 (out of range), CUST_010 'abc' (not a number), CUST_005 '' (missing),
    # CUST_009 0.2 + 0.25 (conflict, 2 rows), CUST_003 0.5 + 0.7 (conflict, 2 rows) = 9 rows.
    # Not errors: CUST_008 0.4 / 0.40 (equal), CUST_010 0.55, the UUID row for CUST_006.
    got = Counter((r["organization_id"], r["customer_ref"]) for r in rows)
    want = Counter({(TEL, "CUST_999"): 1, (TEL, "CUST_012"): 1, (TEL, "CUST_007"): 1,
                    (TEL, "CUST_010"): 1, (TEL, "CUST_005"): 1, (TEL, "CUST_009"): 2,
                    (TEL, "CUST_003"): 2})
    assert got == want
    for r in rows:
        assert r["message"], r
        if r["customer_ref"] in ("CUST_999", "CUST_012"):
            assert r["message"] == f"Customer {r['customer_ref']} not found in organization"


# ---------------------------------------------------------------------------------------
# segment_distribution
# ---------------------------------------------------------------------------------------

# org -> segment -> customer_count; percentage = round(100 * count / n, 2)
# TEL: every segment exactly once -> 100/11 = 9.0909 -> 9.09
# ECO: Loyal, Cannot Lose, Potential Loyalists, At Risk, Hibernating once -> 100/5 = 20.00
# BNK (n 11): Champions 1 (9.09), Loyal 2 (B2, B5: 18.18), Potential Loyalists 2 (B6, B7: 18.18),
#             Need Attention 1 (9.09), Hibernating 5 (B4, B8..B11: 500/11 = 45.4545 -> 45.45)
# TLB (n 5):  Champions 2 (40.00), Need Attention 1 (20.00), Hibernating 2 (40.00)
# ECB (n 3):  Champions, Hibernating, About to Sleep once each (33.33)
def _counts(**kw):
    return {s: kw.get(s.replace(" ", "_"), 0) for s in SEGMENT_ORDER}


DIST_COUNTS = {
    TEL: {s: 1 for s in SEGMENT_ORDER},
    ECO: {s: (1 if s in ("Loyal Customers", "Cannot Lose Them", "Potential Loyalists",
                         "At Risk", "Hibernating") else 0) for s in SEGMENT_ORDER},
    BNK: _counts(Champions=1, Loyal_Customers=2, Potential_Loyalists=2, Need_Attention=1, Hibernating=5),
    TLB: _counts(Champions=2, Need_Attention=1, Hibernating=2),
    ECB: _counts(Champions=1, Hibernating=1, About_to_Sleep=1),
}
DIST_PCT = {  # org -> customer_count -> percentage
    TEL: {1: 9.09}, ECO: {1: 20.00},
    BNK: {1: 9.09, 2: 18.18, 5: 45.45}, TLB: {1: 20.00, 2: 40.00}, ECB: {1: 33.33},
}
# Group averages of the new organisations (all churn Unknown -> avg_churn_score NULL, revenue 0):
#   BNK Loyal (74.50 + 69.25)/2 = 71.875; Potential Loyalists (60.50 + 56.125)/2 = 58.3125;
#       Hibernating (25.50 + 29 + 29 + 35.125 + 35.125)/5 = 153.75/5 = 30.75
#   TLB Champions (71.875 + 80.625)/2 = 76.25; Hibernating (25.9375 + 21.5625)/2 = 23.75
# (computed below from EXPECTED as the mean of the members' segment_score; within 0.01 whether the
# project averages rounded or unrounded scores.)


@pytest.mark.parametrize("org", [TEL, ECO, BNK, TLB, ECB], ids=["telecom", "ecommerce", "BNK", "TLB", "ECB"])
def test_segment_distribution(project, org):
    rows = project.query(f"select * from marts.segment_distribution where organization_id = '{org}'")
    by_seg = {r["segment"]: r for r in rows}
    assert len(rows) == 11 and set(by_seg) == set(SEGMENT_ORDER)
    members = {}
    for (o, ext), exp in EXPECTED.items():
        if o == org:
            members.setdefault(exp["segment"], []).append(exp)
    for seg, r in by_seg.items():
        assert r["segment_order"] == SEGMENT_ORDER[seg], seg
        n = DIST_COUNTS[org][seg]
        assert r["customer_count"] == n, seg
        assert abs(float(r["percentage"]) - (DIST_PCT[org][n] if n else 0.0)) < 1e-6, seg
        assert str(r["as_of_date"])[:10] == AS_OF
        assert r["description"] and r["action"], seg
        ms = members.get(seg, [])
        assert len(ms) == n
        if n == 0:
            assert r["avg_segment_score"] is None, seg
            assert r["avg_churn_score"] is None, seg
            assert abs(float(r["revenue_at_risk"])) < 1e-9, seg
            continue
        # TEL/ECO have one member per non-empty segment (averages are that customer's values);
        # BNK/TLB have groups of 2 and 5: the mean of the members' hand-worked values.
        avg_score = sum(m["segment_score"] for m in ms) / len(ms)
        assert abs(float(r["avg_segment_score"]) - avg_score) <= TOL, seg
        scored = [m["churn_score"] for m in ms if m["churn_score"] is not None]
        if not scored:
            assert r["avg_churn_score"] is None, seg  # average over customers with a score
        else:
            assert abs(float(r["avg_churn_score"]) - sum(scored) / len(scored)) <= TOL, seg
        assert abs(float(r["revenue_at_risk"]) - sum(m["revenue_at_risk"] for m in ms)) <= TOL, seg


# ---------------------------------------------------------------------------------------
# segmentation_run_summary
# ---------------------------------------------------------------------------------------

def test_run_summary(project):
    rows = {r["organization_id"]: r for r in project.query("select * from marts.segmentation_run_summary")}
    assert set(rows) == {TEL, ECO, BNK, TLB, ECB}  # BAD is rejected: no row
    # BNK / TLB / ECB (added with the behaviour fixture): 11 / 5 / 3 valid customers, all segmented,
    # no upload rows (the upload is TEL's), no errors.
    for org, n in ((BNK, 11), (TLB, 5), (ECB, 3)):
        r = rows[org]
        assert (r["total_customers"], r["segmented"], r["upload_rows"], r["error_count"]) == (n, n, 0, 0), org
        assert json.loads(r["errors"]) == [], org
        assert r["success"] in (True, 1), org
    t = rows[TEL]
    assert (t["total_customers"], t["segmented"], t["upload_rows"], t["error_count"]) == (11, 11, 17, 9)
    errs = json.loads(t["errors"])
    assert len(errs) == 9 and all(errs)
    assert "Customer CUST_999 not found in organization" in errs
    assert "Customer CUST_012 not found in organization" in errs
    assert t["success"] in (False, 0)
    e = rows[ECO]
    assert (e["total_customers"], e["segmented"], e["upload_rows"], e["error_count"]) == (5, 5, 0, 0)
    assert json.loads(e["errors"]) == []
    assert e["success"] in (True, 1)


# ---------------------------------------------------------------------------------------
# data_quality_rejects
# ---------------------------------------------------------------------------------------

def test_data_quality_rejects(project):
    rows = project.query("select * from marts.data_quality_rejects")
    for r in rows:
        assert r["reason"] and r["reason_code"], r
        json.loads(r["raw_record"])
    by_table = {}
    for r in rows:
        by_table.setdefault(r["source_table"], []).append(r)

    # organizations: BAD (org_type 'retail'). " Telecom " and "ECOMMERCE" normalise fine.
    assert Counter(r["record_id"] for r in by_table.get("organizations", [])) == Counter([BAD])
    # customers: both CUST_013 copies in TEL (duplicate external_id), BAD's customer.
    assert Counter(r["record_id"] for r in by_table.get("customers", [])) == Counter([
        "a1000000-0000-4000-8000-000000000131", "a1000000-0000-4000-8000-000000000132",
        "b1000000-0000-4000-8000-000000000001"])
    # transactions: BAD-NEGQ (quantity -5), BAD-FUTURE (2099), BAD-TYPE ('purchase' for telecom),
    # BAD-ETYPE ('topup' for ecommerce), T8-01 (the 05-30 copy: later duplicate), T11-01 (the
    # -45 copy: negative amount; the other copy is kept), BAD-CUST (customer rejected),
    # BAD-NOCUST (no such customer). T1-08 (on as_of_date) and T10-03 / T11-05 / T4-03 (before
    # the lookback) are valid rows, not rejects.
    # Changed with the behaviour fixture: + B4-01 (BNK, amount -10: negative amount), BNK
    # CUST_104's only event. B1-24 / L5-01 (on as_of_date) are valid rows, not rejects.
    # Numbers present but unreadable (rules section 10): BAD-COMMA (amount "1,5"), BAD-EUR
    # (amount "12 EUR"), BAD-DISC (discount_amount NaN): rejected with their text, never 0.
    tx = by_table.get("transactions", [])
    assert Counter(r["record_id"] for r in tx) == Counter([
        "BAD-NEGQ", "BAD-FUTURE", "BAD-TYPE", "BAD-ETYPE", "T8-01", "T11-01", "BAD-CUST", "BAD-NOCUST",
        "B4-01", "BAD-COMMA", "BAD-EUR", "BAD-DISC"])
    reasons = {r["record_id"]: (r["reason_code"], r["reason"]) for r in tx}
    assert reasons["BAD-COMMA"][0] == "invalid_amount" and "amount '1,5' of transaction BAD-COMMA" in reasons["BAD-COMMA"][1]
    assert reasons["BAD-EUR"][0] == "invalid_amount" and "'12 EUR'" in reasons["BAD-EUR"][1]
    assert reasons["BAD-DISC"][0] == "invalid_discount_amount" and "'NaN'" in reasons["BAD-DISC"][1]
    assert [r["organization_id"] for r in tx if r["record_id"] == "B4-01"] == [BNK]
    raw = {r["record_id"]: json.loads(r["raw_record"]) for r in tx}
    assert "999" in json.dumps(raw["T8-01"]), raw["T8-01"]   # the 999 copy is the rejected one
    assert "-45" in json.dumps(raw["T11-01"]), raw["T11-01"]  # the negative copy is the rejected one
    for rid in ("BAD-NEGQ", "BAD-FUTURE", "BAD-TYPE", "T8-01", "T11-01"):
        assert [r["organization_id"] for r in tx if r["record_id"] == rid] == [TEL], rid
    # churn_predictions: E4 NULL predicted_at, E4 probability 1.2, E5 missing probability,
    # CUST_013 copy (not a valid customer).
    cp = by_table.get("churn_predictions", [])
    refs = sorted(json.loads(r["raw_record"]).get("customer_id") for r in cp)
    assert refs == sorted(["e1000000-0000-4000-8000-000000000004", "e1000000-0000-4000-8000-000000000004",
                           "e1000000-0000-4000-8000-000000000005", "a1000000-0000-4000-8000-000000000131"])
    # churn_upload (lead's decision): the 9 rejected upload rows.
    assert len(by_table.get("churn_upload", [])) == 9
    assert set(by_table) <= {"organizations", "customers", "transactions", "churn_predictions", "churn_upload"}


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
BEH_COLS = ("activity_last_30", "activity_prev_30", "value_last_30", "value_prev_30",
            "active_days_last_30", "active_days_prev_30",
            "activity_trend", "value_trend", "engagement_trend", "behavior_score", "risk_signals")

BEHAVIOR = {
    (BNK, "CUST_001"): (12, 10, 240, 300, 12, 10, INC, DEC, INC, 60.00,
                        ["balance_checking_without_action", "feature_abandonment", "login_frequency_decline",
                         "single_product_usage", "support_contact_spike", "transaction_volume_drop"]),
    (BNK, "CUST_102"): (12, 15, 120, 100, 12, 15, DEC, INC, DEC, 58.00, []),
    (BNK, "CUST_103"): (0, 0, 0, 0, 0, 0, UNK, UNK, UNK, 35.00, []),
    (BNK, "CUST_105"): (6, 6, 50, 100, 4, 5, STA, DEC, DEC, 35.50,
                        ["single_product_usage", "support_contact_spike", "transaction_volume_drop"]),
    (BNK, "CUST_106"): (2, 0, 30, 0, 2, 0, INC, INC, INC, 74.00, ["single_product_usage"]),
    (BNK, "CUST_107"): (2, 0, 30, 0, 1, 0, INC, INC, INC, 72.00, ["single_product_usage"]),
    (BNK, "CUST_108"): (0, 1, 0, 0, 0, 1, DEC, UNK, DEC, 15.00, []),
    (BNK, "CUST_109"): (0, 1, 0, 0, 0, 1, DEC, UNK, DEC, 15.00, []),
    (BNK, "CUST_110"): (1, 1, 0, 0, 1, 1, STA, UNK, STA, 37.00, []),
    (BNK, "CUST_111"): (1, 1, 0, 0, 1, 1, STA, UNK, STA, 37.00, []),
    (TLB, "CUST_201"): (14, 13, 60, 50, 6, 5, STA, INC, INC, 51.54,
                        ["billing_complaints", "communication_pattern_change", "data_usage_decline",
                         "frequent_roaming", "payment_delays", "plan_underutilization"]),
    (TLB, "CUST_202"): (13, 13, 40, 40, 5, 4, STA, STA, INC, 45.00, []),
    (TLB, "CUST_203"): (0, 3, 0, 20, 0, 2, DEC, DEC, DEC, 0.00, ["data_usage_decline"]),
    (TLB, "CUST_204"): (1, 0, 0, 0, 1, 0, INC, UNK, INC, 57.00, ["plan_underutilization"]),
    (ECB, "CUST_301"): (18, 3, 45, 100, 5, 2, INC, DEC, INC, 56.75,
                        ["basket_size_decline", "category_shift", "discount_dependency",
                         "high_cart_abandonment", "high_return_rate"]),
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
NOT_ANALYSED = {(BNK, "CUST_104"), (TLB, "CUST_205"), (ECO, "CUST_016")}


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
        "join marts.customer_segments c on b.customer_id = c.customer_id")
    return {(r["organization_id"], r["external_id"]): r for r in rows}


@pytest.fixture(scope="module")
def catalog():
    import csv
    with open(Path(__file__).resolve().parents[2] / "seeds" / "risk_signal_catalog.csv", newline="") as f:
        return {(r["org_type"], r["risk_signal"]): r["recommendation"] for r in csv.DictReader(f)}


def test_behavior_analysed_customers(project, behavior):
    # every valid customer with a valid event before as_of_date, nothing else
    assert sorted(behavior) == sorted(BEHAVIOR)
    assert not (set(behavior) & NOT_ANALYSED)
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

    for col in ("activity_last_30", "activity_prev_30", "active_days_last_30", "active_days_prev_30"):
        check(col, row[col] is not None and float(row[col]) == exp[col])
    for col in ("value_last_30", "value_prev_30"):
        check(col, row[col] is not None and abs(float(row[col]) - exp[col]) < 1e-6)
    for col in ("activity_trend", "value_trend", "engagement_trend"):
        check(col, row[col] == exp[col])
    check("behavior_score", row["behavior_score"] is not None
          and abs(float(row["behavior_score"]) - exp["behavior_score"]) <= TOL)
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
        "join marts.customer_segments c on r.customer_id = c.customer_id")
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
    "banking": ["balance_checking_without_action", "feature_abandonment", "login_frequency_decline",
                "single_product_usage", "support_contact_spike", "transaction_volume_drop"],
    "telecom": ["billing_complaints", "communication_pattern_change", "data_usage_decline",
                "frequent_roaming", "payment_delays", "plan_underutilization"],
    "ecommerce": ["basket_size_decline", "category_shift", "discount_dependency",
                  "high_cart_abandonment", "high_return_rate", "low_browse_to_buy"],
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
    assert (r["customers_increasing"], r["customers_stable"], r["customers_declining"],
            r["customers_unknown"]) == (by_trend["increasing"], by_trend["stable"],
                                        by_trend["declining"], by_trend["unknown"])
    assert str(r["as_of_date"])[:10] == AS_OF
    # top_risk_signals: signal -> affected count (a signal with 0 may be absent or 0)
    top = json.loads(r["top_risk_signals"])
    want_top = {s: v[0] for s, v in SIGNAL_SUMMARY[org].items()}
    assert {s: c for s, c in top.items() if c} == want_top
    # priority_actions: affected signals in rank order
    actions = json.loads(r["priority_actions"])
    want = sorted(SIGNAL_SUMMARY[org].items(), key=lambda kv: kv[1][3])
    assert [a["risk_signal"] for a in actions] == [s for s, _ in want]
    for a, (sig, (aff, pct, urg, _rank)) in zip(actions, want):
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
