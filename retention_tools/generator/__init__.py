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
events per customer and year overall. With the defaults (3 x 10,000 customers, ~4.0M events,
a few seconds) every organisation has all 11 segments, with Champions 11.0-12.4%, At Risk
9.1-10.9% and Lost 5.8-6.4% (the bands promised are 10-15%, 8-12% and 5-7%;
tests/python/test_generator.py checks them on this data), every risk signal of its industry
fires for 2.6-35% of it, and every acquisition cohort (month of the first value event) from
June 2025 to October 2026 holds 167-1,211 customers (below).

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

Customers are acquired all along, as in a growing business: a share of the loyal (40%),
potential (25%) and occasional (15%) customers (``Persona.joined``, exactly round(share x
count) per persona, from a random stream of their own) join during the history instead of
before it, on a join day between the history start and ``JOINED_BY`` (30) days before the end
date, more of them every month (the density grows linearly from nothing at the history start).
A joiner's signup_date is its join day (never late, never NULL), it has no event before it and
makes its first value event on that day or the next (the activation below), then behaves as
its persona does. The rest of the customers start in their persona's start range, mostly
before the history. So the first month of the history (May 2025 by default) is the existing
base (3,483-3,699 customers per organisation with the defaults), the months after it hold the
joiners and existing customers whose first value event in the history came late (167-1,211 per
month), and October 2026 adds the new and promising customers (~910).
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
  a contract that starts inside the window, ~50% of them) are renewed each month with
  probability 1 - theta, theta ~ Beta per persona (``Persona.contract``; mean 0.001 for
  champions, 0.04 for potential customers, 0.08 for new and promising ones): after a
  geometric number of paid bills the customer churns and pays no more bills or top-ups (the
  shifted-beta-geometric process). Of the personas that stop at a fixed time only lapsed and
  dormant customers (stopped 200 days ago or more) may hold a contract; in telecom the others
  are prepaid customers, so that contract churn is (almost only) the renewal process. The
  more active a customer, the likelier a contract; occasional customers take one half as
  often as their activity alone would give (``Persona.postpaid``).

With the defaults (seed 42, 10,000 customers) the project's churn models converge to interior
optima (time in days; x = repeat value days; 30-day periods for the sBG): MBG/NBD banking
r 1.47, alpha 16.5, a 0.095, b 0.61; ecommerce r 1.17, alpha 29.7, a 0.053, b 0.40; telecom
prepaid r 1.04, alpha 19.8, a 0.20, b 0.78; sBG telecom postpaid alpha 0.063, beta 3.9 (and
down to 150 customers per organisation). In a 90-day backtest model churn ranks customers
about as well as recency or better (AUC 0.89-0.97, within 0.01 of recency's or above).
26-29% of each organisation's customers have made no value event in the last 180 days (2.7-7%
none in the window), 33-39% none in the last 90 days.

Behaviour traits (``TRAITS``) are attached on top of the persona so that the demo exercises
every risk signal of rules section 7: within each persona exactly round(p x count) customers
get a trait, with p depending on the persona (e.g. 35% of declining bank customers are
balance watchers, 4% of the loyal ones). A trait only changes rates (extra Poisson processes,
thinning, a change of habits on a per-customer "change day" 20-50 days before the end date),
never a signal directly. Overall shares with the defaults, and the signals they drive:

* banking: balance_watcher (8.1%; ~0.25 balance checks a day, also after it stopped
  transacting: balance_checking_without_action), frustrated (6.3%; a support episode of ~5
  contacts about every 80 days, up to a month after it stops: support_contact_spike).
  login_frequency_decline, transaction_volume_drop and feature_abandonment come from the
  declining persona (and chance), single_product_usage from the products a customer holds.
* telecom: switcher (9.5%; talks 2.5x as much, then from its change day keeps 20% of its
  calls and sends 1.5 messages per lost call: communication_pattern_change), light_user
  (5.9%; uses ~12% of its plan instead of ~90%: plan_underutilization, which also fires for
  customers who stopped), frequent_traveler (7.0%; a 3-9 day trip abroad about every 40 days:
  frequent_roaming), late_payer (7.4%; 80% of its bills 8-28 days late: payment_delays).
  data_usage_decline comes from customers who stopped (data records thinned after the stop)
  and chance; billing_complaints from support contacts (35% about billing) and bill shock (a
  bill with an overage charge is followed by a billing complaint with probability 0.4).
* ecommerce: cart_abandoner (7.0%; ~4 extra carts a month, also after it stopped buying:
  high_cart_abandonment), category_shifter (13.0%; other preferred categories from its change
  day: category_shift), bargain_hunter (11.1%; buys twice as often, always with a discount:
  discount_dependency), downtrader (11.5%; baskets at 45% of their value from its change day:
  basket_size_decline), window_shopper (6.1%; ~24 extra views a month, also after it stopped
  buying: low_browse_to_buy), serial_returner (8.2%; returns 40-80% of its purchases:
  high_return_rate).

With the defaults every signal fires for 2.6-35% of its organisation's analysed customers
(plan_underutilization and single_product_usage highest; see tests/python/test_generator.py
for an independent implementation of the rules). Traits come from random streams of their
own, and so do the dropout probabilities and the contract lengths: the customers, their
churn predictions and the upload do not depend on them.

Churn scores. The upload (telecom) has exactly 41% Low (< 0.3), 41% Medium (0.3-0.5),
10% High (0.5-0.7) and 8% Critical (>= 0.7) customers: band counts are fixed first, each
customer gets the band of its rank on a persona-based latent risk (persona mean + noise), and
a score uniform inside the band (4 decimals). ``churn_predictions`` (banking, ecommerce) are
made the same way with each organisation's own shares (banking 41/40/11/8%, ecommerce
41/40/14/5%). Since the segments rank customers (RFM percentiles) and take the churn risk level
from these bands, the High + Critical shares (18-19%) and the personas' latent risks set the
sizes of At Risk and Lost more than anything else. Every customer has a prediction from
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

Modules: ``personas`` (the organisations, personas, traits, industries and the customers drawn
from them), ``sampling`` (seeded vectorised random helpers), ``events`` (each customer's
events), ``scores`` (churn_predictions and the upload), ``bad_rows`` (``--bad``), ``writers``
(Parquet / CSV in the raw contract's columns) and ``cli`` (the command line). The transaction
types and value events come from the project's vars (``retention_tools.project_vars``).
"""
