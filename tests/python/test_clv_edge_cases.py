"""CLV edge cases: one-purchase customers, organisations with no repeat purchases, one-customer
organisations, zero amounts, too few repeat customers, unidentifiable fits, degenerate
contractual histories, both settings in one organisation, tenant isolation, row order."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

import retention_clv as clv

PREDICTIONS = [
    "p_alive",
    "churn_probability",
    "expected_purchases_90d",
    "expected_avg_value",
    "clv_365d",
    "expected_purchases_horizon",
]
PARAMETERS = [
    "r",
    "alpha",
    "a",
    "b",
    "sbg_alpha",
    "sbg_beta",
    "log_likelihood",
    "p",
    "q",
    "v",
    "gamma_gamma_log_likelihood",
    "dropout_probability",
    "aic",
]
MODELS = ["mbgnbd", "bgnbd"]


def _org(n, seed, org="org", **kw):
    s = clv.simulate(n, seed=seed, **kw)
    s.insert(0, "organization_id", org)
    s["customer_id"] = [f"{org}-{i}" for i in range(n)]
    return s


def _contracts(n, seed, org="org", **kw):
    c = clv.simulate_contracts(n, seed=seed, **kw)
    c.insert(0, "organization_id", org)
    c["customer_id"] = [f"{org}-c{i}" for i in range(n)]
    c["setting"] = "contractual"
    # the purchase summary over the contractual events: one event per paid period of 30 days
    c["x"] = c["periods_paid"] - 1
    c["t_x"] = 30 * c["x"]
    c["T"] = c["t_x"] + 15
    c["m"] = np.where(c["x"] > 0, c["contract_amount_total"] / c["periods_paid"], np.nan)
    return c


def _score(summary, **kw):
    """score_organizations on one organisation and one setting: (customers, the params row)."""
    customers, params = clv.score_organizations(summary, **kw)
    assert len(params) == 1
    return customers, params.iloc[0]


def _assert_not_fitted(customers, row):
    assert not row["converged"] and row["variant"] is None
    assert row[PARAMETERS].isna().all()
    assert customers[PREDICTIONS].isna().all().all() and customers["variant"].isna().all()


def test_summarize_one_purchase_customers_and_zero_amounts():
    events = pd.DataFrame(
        {
            "customer_id": ["a", "b", "b", "b", "c", "c", "c", "d", "d"],
            "date": pd.to_datetime(
                [
                    "2024-01-05 00:00",
                    "2024-01-01 09:30",
                    "2024-01-01 18:00",
                    "2024-01-11 00:00",
                    "2024-01-02 00:00",
                    "2024-01-03 00:00",
                    "2024-01-09 00:00",
                    "2024-01-02 00:00",
                    "2024-02-01 00:00",
                ]
            ),
            "amount": [10.0, 5.0, 7.0, 0.0, 3.0, None, 4.0, 1.0, 99.0],
        }
    )
    s = clv.summarize_purchases(events, "2024-01-31").set_index("customer_id")  # d's second day is after
    assert s.loc["a", ["x", "t_x", "T"]].tolist() == [0, 0, 26]
    assert np.isnan(s.loc["a", "m"])
    # b: two events on day one are one purchase day; the repeat day totals 0
    assert s.loc["b", ["x", "t_x", "T"]].tolist() == [1, 10, 30]
    assert s.loc["b", "m"] == 0.0
    # c: a NULL amount counts as 0
    assert s.loc["c", ["x", "t_x", "T"]].tolist() == [2, 7, 29]
    assert s.loc["c", "m"] == pytest.approx(2.0)
    assert s.loc["d", ["x", "t_x", "T"]].tolist() == [0, 0, 29]


@pytest.mark.parametrize("setting", ["noncontractual", "contractual"])
def test_one_customer_organization_gets_a_reason(setting):
    summary = pd.DataFrame(
        {
            "organization_id": ["solo"],
            "customer_id": ["c1"],
            "setting": [setting],
            "x": [3],
            "t_x": [40],
            "T": [90],
            "m": [12.5],
            "periods_paid": [4],
            "lapsed": [False],
            "contract_amount_total": [80.0],
        }
    )
    customers, row = _score(summary, min_customers=50)
    assert row["organization_id"] == "solo" and row["customers_fitted"] == 1
    assert row["model"] == ("sbg" if setting == "contractual" else "mbgnbd")
    assert (
        "too few customers" in row["reason"]
        and f"1 {setting.replace('non', 'non-')} customers" in row["reason"]
        and "clv_min_customers" in row["reason"]
    )
    _assert_not_fitted(customers, row)
    assert customers.loc[0, ["x", "t_x", "T", "m"]].tolist() == [3, 40, 90, 12.5]
    if setting == "contractual":
        assert customers.loc[0, "periods_paid"] == 4 and not customers.loc[0, "lapsed"]
    else:  # periods_paid and lapsed are NULL for non-contractual rows whatever the input says
        assert pd.isna(customers.loc[0, "periods_paid"]) and pd.isna(customers.loc[0, "lapsed"])


@pytest.mark.parametrize("model", MODELS)
def test_all_customers_with_one_purchase(model):
    summary = pd.DataFrame({"customer_id": range(200), "x": 0, "t_x": 0, "T": np.arange(200) % 150, "m": np.nan})
    fit = clv.fit_bgnbd(summary["x"], summary["t_x"], summary["T"], modified=model == "mbgnbd")
    assert not fit.converged and "no repeat purchases" in fit.message
    gg = clv.fit_gamma_gamma(summary["x"], summary["m"])
    assert not gg.converged and "no customer with a repeat purchase" in gg.message
    customers, row = _score(summary, noncontractual_model=model)
    assert "no repeat purchases" in row["reason"] and "not identifiable" in row["reason"]
    assert row["reason"].startswith(("MBG/NBD" if model == "mbgnbd" else "BG/NBD") + " not fitted")
    _assert_not_fitted(customers, row)
    assert customers["m"].isna().all()
    assert row["organization_id"] is None  # no organization_id column: one organisation


@pytest.mark.parametrize("model", MODELS)
def test_one_purchase_customers_in_a_fitted_organization(model):
    data = _org(3000, seed=5, modified=model == "mbgnbd")
    customers, row = _score(data, noncontractual_model=model)
    assert row["converged"] and row["reason"] is None
    once = customers[customers["x"] == 0]
    assert len(once) > 0
    if model == "bgnbd":
        assert (once["p_alive"] == 1.0).all()  # BG/NBD: no drop-out before a repeat purchase
    else:
        # MBG/NBD: a one-time buyer is not certain to be alive, the less so the longer ago
        assert once["p_alive"].lt(1).all() and once["p_alive"].gt(0).all()
        by_T = once.sort_values("T")
        assert np.all(np.diff(by_T["p_alive"].to_numpy()) <= 1e-15)
    assert once["churn_probability"].lt(1).all() and once["churn_probability"].gt(0).all()
    assert once["m"].isna().all()
    pop_mean = row["p"] * row["v"] / (row["q"] - 1)
    assert np.allclose(once["expected_avg_value"], pop_mean)
    assert (once["clv_365d"] > 0).all()
    # more recent first purchase (smaller T) => more expected purchases, less churn
    once = once.sort_values("T")
    assert np.all(np.diff(once["expected_purchases_90d"].to_numpy()) <= 1e-12)
    assert np.all(np.diff(once["churn_probability"].to_numpy()) >= -1e-12)


def test_zero_amounts_are_left_out_of_the_spend_fit():
    s = _org(3000, seed=6)
    repeat = s.index[s["x"] > 0]
    zero = repeat[:40]
    s.loc[zero, "m"] = 0.0  # repeat customers whose repeat days all total 0
    customers, row = _score(s)
    assert row["converged"] and row["reason"] is None
    ref = clv.fit_gamma_gamma(s.loc[s["m"] > 0, "x"], s.loc[s["m"] > 0, "m"])
    assert row["p"] == pytest.approx(ref.p) and row["v"] == pytest.approx(ref.v)
    z = customers.loc[zero]
    # their expected value shrinks towards 0 from the population mean: p v / (p x + q - 1)
    want = row["p"] * row["v"] / (row["p"] * z["x"].astype(float) + row["q"] - 1)
    assert np.allclose(z["expected_avg_value"], want)
    assert (z["m"] == 0).all() and z["clv_365d"].notna().all()


def test_all_amounts_zero_publish_the_count_model_without_spend():
    s = _org(500, seed=8)
    s["m"] = np.where(s["x"] > 0, 0.0, np.nan)
    customers, row = _score(s)
    assert row["converged"]
    assert not np.isnan(row["r"]) and np.isnan(row["p"])
    assert "Gamma-Gamma not fitted: 0 customers" in row["reason"]
    for c in ("p_alive", "churn_probability", "expected_purchases_90d", "expected_purchases_horizon"):
        assert customers[c].notna().all()
    assert customers["expected_avg_value"].isna().all() and customers["clv_365d"].isna().all()


def test_too_few_repeat_customers_for_gamma_gamma():
    s = _org(300, seed=9)
    customers, row = _score(s, min_repeat_customers=10_000)
    assert row["converged"] and not np.isnan(row["a"])
    assert np.isnan(row["p"]) and np.isnan(row["gamma_gamma_log_likelihood"])
    assert "Gamma-Gamma not fitted" in row["reason"] and "need at least 10000" in row["reason"]
    assert customers["p_alive"].notna().all() and customers["clv_365d"].isna().all()


@pytest.mark.parametrize("model", MODELS)
def test_no_sign_of_drop_out_publishes_the_no_dropout_variant(model):
    # every customer bought on the last day of the window: nothing suggests anyone dropped out,
    # so the full and homogeneous likelihoods keep rising towards no dropout (a -> 0, theta ->
    # 0): their maxima are at a limit, and the NBD (no_dropout) is published
    rng = np.random.default_rng(0)
    T = rng.integers(50, 300, 500)
    summary = pd.DataFrame(
        {"customer_id": range(500), "x": rng.integers(1, 10, 500), "t_x": T, "T": T, "m": rng.gamma(5.0, 5.0, 500)}
    )
    choice = clv.bgnbd.fit_variants(summary["x"], summary["t_x"], summary["T"], modified=model == "mbgnbd")
    for variant in ("full", "homogeneous_dropout"):
        fit = choice.fit(variant)
        assert not fit.converged and "do not identify" in fit.message, fit
    customers, row = _score(summary, noncontractual_model=model)
    assert row["converged"] and row["variant"] == "no_dropout" and row["reason"] is None
    assert np.isnan(row["a"]) and np.isnan(row["b"]) and np.isnan(row["dropout_probability"])
    assert row["aic"] == pytest.approx(4 - 2 * row["log_likelihood"])
    assert (customers["variant"] == "no_dropout").all() and (customers["p_alive"] == 1).all()
    # nobody drops out: churn is the chance of no purchase in 90 days,
    # ((alpha + T) / (alpha + T + 90))^(r + x)
    r, al = row["r"], row["alpha"]
    expected = ((al + summary["T"]) / (al + summary["T"] + 90)) ** (r + summary["x"])
    assert np.allclose(customers["churn_probability"], expected, rtol=1e-12)
    assert np.allclose(customers["expected_purchases_90d"], (r + summary["x"]) * 90 / (al + summary["T"]), rtol=1e-12)


@pytest.mark.parametrize("model", MODELS)
def test_identical_histories_are_not_identifiable(model):
    summary = pd.DataFrame({"customer_id": range(80), "x": 3, "t_x": 40, "T": 90, "m": np.linspace(5, 50, 80)})
    customers, row = _score(summary, noncontractual_model=model)
    assert "same purchase history (x = 3, t_x = 40, T = 90)" in row["reason"]
    assert "not identifiable" in row["reason"] and row["customers_fitted"] == 80
    _assert_not_fitted(customers, row)


def test_identical_spend_is_not_identifiable():
    s = _org(1000, seed=10)
    s["m"] = np.where(s["x"] > 0, 20.0, np.nan)
    gg = clv.fit_gamma_gamma(s["x"], s["m"])
    assert not gg.converged and "same mean spend" in gg.message
    _, row = _score(s)
    assert row["converged"] and np.isnan(row["p"])
    assert "Gamma-Gamma fit did not converge" in row["reason"]


def test_customers_without_events_are_kept_unscored():
    s = _org(400, seed=12)
    s.loc[:4, ["x", "t_x", "T", "m"]] = np.nan
    customers, row = _score(s)
    assert row["customers_fitted"] == 395 and row["converged"]
    assert customers.loc[:4, PREDICTIONS].isna().all().all()
    assert customers.loc[5:, "p_alive"].notna().all()


def test_invalid_input_raises():
    with pytest.raises(ValueError, match="t_x <= T"):
        clv.fit_bgnbd([1, 2], [5, 50], [10, 20])
    with pytest.raises(ValueError, match="t_x must be 0"):
        clv.fit_bgnbd([0], [3], [10])
    with pytest.raises(ValueError, match="periods_paid must be a whole number >= 1"):
        clv.fit_sbg([0, 2], [True, False])
    s = _org(10, seed=1)
    with pytest.raises(ValueError, match="noncontractual_model"):
        clv.score_organizations(s, noncontractual_model="pareto_nbd")
    with pytest.raises(ValueError, match="setting must be"):
        clv.score_organizations(s.assign(setting="subscription"))
    with pytest.raises(ValueError, match="contract_period_days"):
        clv.score_organizations(s, contract_period_days=0)


# ----------------------------------------------------------------------------------------------
# contractual customers (sBG)
# ----------------------------------------------------------------------------------------------
def _contract_summary(periods_paid, lapsed, org="org"):
    n = len(periods_paid)
    return pd.DataFrame(
        {
            "organization_id": org,
            "customer_id": [f"c{i}" for i in range(n)],
            "setting": "contractual",
            "x": np.asarray(periods_paid) - 1,
            "t_x": 30 * (np.asarray(periods_paid) - 1),
            "T": 30 * np.asarray(periods_paid) + 40,
            "m": np.nan,
            "periods_paid": periods_paid,
            "lapsed": lapsed,
            "contract_amount_total": 25.0 * np.asarray(periods_paid),
        }
    )


def test_contractual_nobody_lapsed():
    rng = np.random.default_rng(1)
    customers, row = _score(_contract_summary(rng.integers(1, 12, 200), False))
    assert row["model"] == "sbg" and row["customers_fitted"] == 200
    assert "nobody has lapsed" in row["reason"] and "not identifiable" in row["reason"]
    assert row["reason"].startswith("sBG not fitted")
    _assert_not_fitted(customers, row)


def test_contractual_identical_histories():
    customers, row = _score(_contract_summary([3] * 100, [True] * 100))
    assert "same history (3 periods paid, lapsed)" in row["reason"]
    _assert_not_fitted(customers, row)


def _assert_geometric(customers, row, theta):
    """The geometric variant published with dropout probability ``theta`` (worked by hand)."""
    assert row["converged"] and row["variant"] == "geometric" and row["reason"] is None
    assert np.isnan(row["sbg_alpha"]) and np.isnan(row["sbg_beta"])
    assert row["dropout_probability"] == pytest.approx(theta, rel=1e-12)
    assert row["aic"] == pytest.approx(2 - 2 * row["log_likelihood"], rel=1e-12)
    active = ~customers["lapsed"].astype(bool)
    # churn within the 3 periods of 90 days: 1 - (1 - theta)^3; paid periods (1 - theta) + ... + (1 - theta)^3
    assert np.allclose(customers.loc[active, "churn_probability"], 1 - (1 - theta) ** 3)
    assert np.allclose(customers.loc[active, "expected_purchases_90d"], sum((1 - theta) ** j for j in (1, 2, 3)))
    assert (customers["variant"] == "geometric").all()


def test_contractual_only_the_first_renewal_observed():
    # everyone has paid one period (lapsed or not) or two (not yet at renewal 2): only the
    # retention rate at renewal 1 is known, a ridge in (alpha, beta); the geometric variant's
    # one rate is identified: 20 lapsed of 20 + 60 renewals faced, theta = 20 / 80
    t = [1] * 40 + [2] * 60
    lapsed = [True] * 20 + [False] * 20 + [False] * 60
    choice = clv.sbg.fit_variants(t, lapsed)
    assert "second renewal" in choice.fit("full").message and not choice.fit("full").converged
    customers, row = _score(_contract_summary(t, lapsed))
    _assert_geometric(customers, row, 20 / 80)
    # with renewal 2 observed for a few, but the same drop-out rate at both renewals
    # (no sign of heterogeneity): the full maximum is at the homogeneous limit alpha, beta ->
    # inf, and the geometric variant is published: 75 lapsed, 25 * 1 + 25 * 2 renewals passed
    t = [1] * 50 + [2] * 25 + [3] * 25
    lapsed = [True] * 50 + [True] * 25 + [False] * 25
    assert "do not identify" in clv.sbg.fit_variants(t, lapsed).fit("full").message
    customers, row = _score(_contract_summary(t, lapsed))
    _assert_geometric(customers, row, 75 / (75 + 75))


def test_contractual_only_lapsed_customers():
    # everybody has left, after 1 to 12 periods, with a heterogeneous (beta-geometric)
    # spread: a proper fit of past retention (reason NULL, as for any fit); predictions are certain
    c = clv.simulate_contracts(3000, seed=4, max_periods=400)
    c = c[c["lapsed"]].head(600)
    customers, row = _score(_contract_summary(c["periods_paid"].to_numpy(), True))
    assert row["converged"] and not np.isnan(row["sbg_alpha"])
    assert row["reason"] is None
    assert (customers["p_alive"] == 0).all() and (customers["churn_probability"] == 1).all()
    assert (customers["expected_purchases_90d"] == 0).all() and (customers["clv_365d"] == 0).all()
    assert np.allclose(customers["expected_avg_value"], 25.0)
    # all lapsed with a geometric (homogeneous) spread: the full maximum is at a limit, the
    # geometric variant is published (theta = lapsed / (lapsed + renewals passed))
    rng = np.random.default_rng(0)
    t = rng.geometric(0.3, 500)
    customers, row = _score(_contract_summary(t, True))
    assert row["variant"] == "geometric" and row["reason"] is None
    assert row["dropout_probability"] == pytest.approx(500 / (500 + (t - 1).sum()), rel=1e-12)
    assert (customers["churn_probability"] == 1).all()
    # everybody lapsed at the first renewal: theta = 1 is at the limit, nothing is published
    customers, row = _score(_contract_summary([1] * 60, True))
    assert "same history" in row["reason"]
    customers, row = _score(_contract_summary([1] * 60 + [2] * 3, [True] * 60 + [False] * 3))
    assert row["variant"] == "geometric" and row["dropout_probability"] == pytest.approx(60 / 63)


def test_contractual_rows_without_periods_are_kept_unscored():
    s = _contracts(300, seed=2)
    s.loc[:2, "periods_paid"] = np.nan
    s["lapsed"] = s["lapsed"].astype(object)  # as the warehouse returns a nullable boolean
    s.loc[3:4, "lapsed"] = None
    s.loc[5, "contract_amount_total"] = np.nan
    customers, row = _score(s)
    assert row["converged"] and row["customers_fitted"] == 295 and row["reason"] is None
    assert customers.loc[:4, PREDICTIONS].isna().all().all()
    assert customers.loc[5:, "p_alive"].notna().all()
    # no amount: no value per period and no CLV, the retention predictions stay
    assert np.isnan(customers.loc[5, "expected_avg_value"]) and np.isnan(customers.loc[5, "clv_365d"])
    assert customers.loc[5, "churn_probability"] > 0


def test_min_customers_counts_per_setting():
    both = pd.concat([_org(400, seed=3, org="o"), _contracts(30, seed=3, org="o")], ignore_index=True)
    both["setting"] = both["setting"].fillna("noncontractual")
    customers, params = clv.score_organizations(both, min_customers=50)
    assert list(params["model"]) == ["mbgnbd", "sbg"]
    p = params.set_index("model")
    assert p.loc["mbgnbd", "converged"] and p.loc["mbgnbd", "customers_fitted"] == 400
    assert not p.loc["sbg", "converged"] and p.loc["sbg", "customers_fitted"] == 30
    assert "30 contractual customers" in p.loc["sbg", "reason"]
    sbg_rows = customers["model"] == "sbg"
    assert sbg_rows.sum() == 30 and customers.loc[sbg_rows, PREDICTIONS].isna().all().all()
    assert customers.loc[~sbg_rows, "p_alive"].notna().all()


# ----------------------------------------------------------------------------------------------
# several organisations, both settings
# ----------------------------------------------------------------------------------------------
def _mixed():
    a = _org(800, seed=1, org="org-a", modified=True)
    a_c = _contracts(300, seed=1, org="org-a")
    b = _org(900, seed=2, org="org-b", r=1.0, alpha=25.0, a=0.5, b=5.0)
    b_c = _contracts(200, seed=2, org="org-b", alpha=0.668, beta=3.806)
    tiny = _org(3, seed=3, org="org-tiny")
    s = pd.concat([b, tiny, a_c, a, b_c], ignore_index=True)
    s["setting"] = s["setting"].fillna("noncontractual")
    return s


@pytest.mark.parametrize("model", MODELS)
def test_organizations_are_fitted_independently_and_round_trip_through_duckdb(model):
    s = _mixed()
    customers, params = clv.score_organizations(s, noncontractual_model=model)
    a = s[s["organization_id"] == "org-a"].reset_index(drop=True)
    alone_c, alone_p = clv.score_organizations(a, noncontractual_model=model)
    assert [tuple(r) for r in params[["organization_id", "model"]].to_numpy()] == [
        ("org-a", model),
        ("org-a", "sbg"),
        ("org-b", model),
        ("org-b", "sbg"),
        ("org-tiny", model),
    ]
    pa = params[params["organization_id"] == "org-a"].reset_index(drop=True)
    pd.testing.assert_frame_equal(pa, alone_p)
    got = customers[customers["organization_id"] == "org-a"].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, alone_c)
    # one row per input row, in input order
    assert customers["customer_id"].tolist() == s["customer_id"].tolist()
    assert (customers["model"] == np.where(s["setting"] == "contractual", "sbg", model)).all()
    pi = params.set_index(["organization_id", "model"])
    assert pi.loc[("org-b", model), "r"] != pi.loc[("org-a", model), "r"]
    assert pi.loc[("org-b", "sbg"), "sbg_beta"] != pi.loc[("org-a", "sbg"), "sbg_beta"]
    assert "too few customers" in pi.loc[("org-tiny", model), "reason"]
    # sbg rows: no BG/NBD or spend parameters; count-model rows: no sBG parameters
    sbg_rows = params["model"] == "sbg"
    assert (
        params.loc[sbg_rows, ["r", "alpha", "a", "b", "p", "q", "v", "gamma_gamma_log_likelihood"]].isna().all().all()
    )
    assert params.loc[~sbg_rows, ["sbg_alpha", "sbg_beta"]].isna().all().all()
    assert list(customers.columns) == clv.CUSTOMER_COLUMNS
    assert list(params.columns) == clv.PARAMS_COLUMNS

    con = duckdb.connect()
    con.register("clv", customers)
    con.register("params", params)
    types = dict(con.execute("select column_name, column_type from (describe params)").fetchall())
    assert types["customers_fitted"] == "BIGINT" and types["converged"] == "BOOLEAN"
    assert types["reason"] == "VARCHAR" and types["r"] == "DOUBLE" and types["model"] == "VARCHAR"
    types = dict(con.execute("select column_name, column_type from (describe clv)").fetchall())
    assert types["periods_paid"] == "BIGINT" and types["lapsed"] == "BOOLEAN"
    assert types["x"] == "BIGINT" and types["churn_probability"] == "DOUBLE"
    assert con.execute("select count(*) from params where reason is null and converged").fetchone()[0] == 4
    assert con.execute("select count(*) from params where r is null").fetchone()[0] == 3
    # NULL, not NaN, where a value does not exist
    assert (
        con.execute("select count(*) from clv where organization_id = 'org-tiny' and p_alive is null").fetchone()[0]
        == 3
    )
    assert con.execute("select count(*) from clv where x = 0 and m is null").fetchone()[0] == int(
        (customers["x"] == 0).sum()
    )
    assert (
        con.execute(
            "select count(*) from clv where model <> 'sbg' and (periods_paid is not null or lapsed is not null)"
        ).fetchone()[0]
        == 0
    )
    assert (
        con.execute("select count(*) from clv where isnan(p_alive) or isnan(m) or isnan(churn_probability)").fetchone()[
            0
        ]
        == 0
    )
    con.close()


def test_row_order_does_not_change_results():
    s = _mixed()
    s.loc[s.index[s["x"] > 0][:50], "m"] = 20.0  # ties in m, across different x
    customers, params = clv.score_organizations(s)
    for seed in (1, 2):
        shuffled = s.sample(frac=1.0, random_state=seed)
        c2, p2 = clv.score_organizations(shuffled)
        pd.testing.assert_frame_equal(p2, params, check_exact=True)
        c2 = c2.set_index("customer_id").loc[customers["customer_id"]].reset_index()[customers.columns]
        pd.testing.assert_frame_equal(c2, customers, check_exact=True)


def test_empty_input():
    empty = pd.DataFrame(
        columns=[
            "organization_id",
            "customer_id",
            "setting",
            "x",
            "t_x",
            "T",
            "m",
            "periods_paid",
            "lapsed",
            "contract_amount_total",
        ]
    )
    customers, params = clv.score_organizations(empty)
    assert customers.empty and params.empty
    assert list(customers.columns) == clv.CUSTOMER_COLUMNS
    assert list(params.columns) == clv.PARAMS_COLUMNS
    con = duckdb.connect()
    con.register("clv", customers)
    con.register("params", params)
    types = dict(con.execute("select column_name, column_type from (describe params)").fetchall())
    assert types == {
        "organization_id": "VARCHAR",
        "model": "VARCHAR",
        "customers_fitted": "BIGINT",
        **{c: "DOUBLE" for c in PARAMETERS},
        "converged": "BOOLEAN",
        "reason": "VARCHAR",
        "variant": "VARCHAR",
    }
    types = dict(con.execute("select column_name, column_type from (describe clv)").fetchall())
    assert types["model"] == types["variant"] == "VARCHAR" and types["lapsed"] == "BOOLEAN"
    assert types["periods_paid"] == "BIGINT" and types["p_alive"] == "DOUBLE"
    con.close()
