"""CLV edge cases: one-purchase customers, organisations with no repeat purchases, one-customer
organisations, zero amounts, too few repeat customers, unidentifiable fits, tenant isolation."""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import retention_clv as clv  # noqa: E402

PREDICTIONS = ["p_alive", "expected_purchases_90d", "expected_avg_value", "clv_365d"]
PARAMETERS = ["r", "alpha", "a", "b", "bgnbd_log_likelihood", "p", "q", "v",
              "gamma_gamma_log_likelihood"]


def _org(n, seed, org="org", **kw):
    s = clv.simulate(n, seed=seed, **kw)
    s.insert(0, "organization_id", org)
    s["customer_id"] = [f"{org}-{i}" for i in range(n)]
    return s


def test_summarise_one_purchase_customers_and_zero_amounts():
    events = pd.DataFrame({
        "customer_id": ["a", "b", "b", "b", "c", "c", "c", "d", "d"],
        "date": pd.to_datetime(["2024-01-05 00:00", "2024-01-01 09:30", "2024-01-01 18:00", "2024-01-11 00:00",
                                "2024-01-02 00:00", "2024-01-03 00:00", "2024-01-09 00:00", "2024-01-02 00:00",
                                "2024-02-01 00:00"]),
        "amount": [10.0, 5.0, 7.0, 0.0, 3.0, None, 4.0, 1.0, 99.0],
    })
    s = clv.summarise(events, "2024-01-31").set_index("customer_id")  # d's second day is after
    assert s.loc["a", ["x", "t_x", "T"]].tolist() == [0, 0, 26]
    assert np.isnan(s.loc["a", "m"])
    # b: two events on day one are one purchase day; the repeat day totals 0
    assert s.loc["b", ["x", "t_x", "T"]].tolist() == [1, 10, 30]
    assert s.loc["b", "m"] == 0.0
    # c: a NULL amount counts as 0
    assert s.loc["c", ["x", "t_x", "T"]].tolist() == [2, 7, 29]
    assert s.loc["c", "m"] == pytest.approx(2.0)
    assert s.loc["d", ["x", "t_x", "T"]].tolist() == [0, 0, 29]


def test_one_customer_organisation_gets_a_reason():
    summary = pd.DataFrame({"organization_id": ["solo"], "customer_id": ["c1"], "x": [3],
                            "t_x": [40], "T": [90], "m": [12.5]})
    customers, params = clv.score_organisations(summary, min_customers=50)
    row = params.iloc[0]
    assert row["organization_id"] == "solo" and row["customers_fitted"] == 1
    assert not row["converged"]
    assert "too few customers" in row["reason"] and "1 with a value event" in row["reason"]
    assert row[PARAMETERS].isna().all()
    assert customers[PREDICTIONS].isna().all().all()
    assert customers.loc[0, ["x", "t_x", "T", "m"]].tolist() == [3, 40, 90, 12.5]


def test_all_customers_with_one_purchase():
    summary = pd.DataFrame({"customer_id": range(200), "x": 0, "t_x": 0,
                            "T": np.arange(200) % 150, "m": np.nan})
    fit = clv.fit_bgnbd(summary["x"], summary["t_x"], summary["T"])
    assert not fit.converged and "no repeat purchases" in fit.message
    gg = clv.fit_gamma_gamma(summary["x"], summary["m"])
    assert not gg.converged and "no customer with a repeat purchase" in gg.message
    customers, params = clv.score_organisation(summary, organization_id="o")
    assert not params["converged"]
    assert "no repeat purchases" in params["reason"] and "not identifiable" in params["reason"]
    assert all(params[c] is None for c in PARAMETERS)
    assert customers[PREDICTIONS].isna().all().all()
    assert customers["m"].isna().all()


def test_one_purchase_customers_in_a_fitted_organisation():
    customers, params = clv.score_organisation(_org(3000, seed=5))
    assert params["converged"] and params["reason"] is None
    once = customers[customers["x"] == 0]
    assert len(once) > 0
    assert (once["p_alive"] == 1.0).all()  # BG/NBD: no drop-out before a repeat purchase
    assert once["m"].isna().all()
    pop_mean = params["p"] * params["v"] / (params["q"] - 1)
    assert np.allclose(once["expected_avg_value"], pop_mean)
    assert (once["clv_365d"] > 0).all()
    # more recent first purchase (smaller T) => more expected purchases
    once = once.sort_values("T")
    assert np.all(np.diff(once["expected_purchases_90d"].to_numpy()) <= 1e-12)


def test_zero_amounts_are_left_out_of_the_spend_fit():
    s = _org(3000, seed=6)
    repeat = s.index[s["x"] > 0]
    zero = repeat[:40]
    s.loc[zero, "m"] = 0.0  # repeat customers whose repeat days all total 0
    customers, params = clv.score_organisation(s)
    assert params["converged"] and params["reason"] is None
    ref = clv.fit_gamma_gamma(s.loc[s["m"] > 0, "x"], s.loc[s["m"] > 0, "m"])
    assert params["p"] == pytest.approx(ref.p) and params["v"] == pytest.approx(ref.v)
    z = customers.loc[zero]
    # their expected value shrinks towards 0 from the population mean: p v / (p x + q - 1)
    want = params["p"] * params["v"] / (params["p"] * z["x"].astype(float) + params["q"] - 1)
    assert np.allclose(z["expected_avg_value"], want)
    assert (z["m"] == 0).all() and z["clv_365d"].notna().all()


def test_all_amounts_zero_publish_bgnbd_without_spend():
    s = _org(500, seed=8)
    s["m"] = np.where(s["x"] > 0, 0.0, np.nan)
    customers, params = clv.score_organisation(s)
    assert params["converged"]
    assert params["r"] is not None and params["p"] is None
    assert "Gamma-Gamma not fitted: 0 customers" in params["reason"]
    assert customers["p_alive"].notna().all() and customers["expected_purchases_90d"].notna().all()
    assert customers["expected_avg_value"].isna().all() and customers["clv_365d"].isna().all()


def test_too_few_repeat_customers_for_gamma_gamma():
    s = _org(300, seed=9)
    customers, params = clv.score_organisation(s, min_repeat_customers=10_000)
    assert params["converged"] and params["a"] is not None
    assert params["p"] is None and params["gamma_gamma_log_likelihood"] is None
    assert "Gamma-Gamma not fitted" in params["reason"] and "need at least 10000" in params["reason"]
    assert customers["p_alive"].notna().all() and customers["clv_365d"].isna().all()


def test_no_sign_of_drop_out_is_not_identifiable():
    # every customer bought on the last day of the window: nothing suggests anyone dropped out,
    # so the likelihood keeps rising as a -> 0: no finite maximum
    rng = np.random.default_rng(0)
    T = rng.integers(50, 300, 500)
    summary = pd.DataFrame({"customer_id": range(500), "x": rng.integers(1, 10, 500), "t_x": T,
                            "T": T, "m": rng.gamma(5.0, 5.0, 500)})
    customers, params = clv.score_organisation(summary)
    assert not params["converged"]
    assert params["reason"].startswith("BG/NBD fit did not converge")
    assert "do not identify" in params["reason"]
    assert all(params[c] is None for c in PARAMETERS)
    assert customers[PREDICTIONS].isna().all().all()


def test_identical_spend_is_not_identifiable():
    s = _org(1000, seed=10)
    s["m"] = np.where(s["x"] > 0, 20.0, np.nan)
    gg = clv.fit_gamma_gamma(s["x"], s["m"])
    assert not gg.converged and "same mean spend" in gg.message
    _, params = clv.score_organisation(s)
    assert params["converged"] and params["p"] is None
    assert "Gamma-Gamma fit did not converge" in params["reason"]


def test_customers_without_events_are_kept_unscored():
    s = _org(400, seed=12)
    s.loc[:4, ["x", "t_x", "T", "m"]] = np.nan
    customers, params = clv.score_organisation(s)
    assert params["customers_fitted"] == 395 and params["converged"]
    assert customers.loc[:4, PREDICTIONS].isna().all().all()
    assert customers.loc[5:, "p_alive"].notna().all()


def test_invalid_summary_raises():
    with pytest.raises(ValueError, match="t_x <= T"):
        clv.fit_bgnbd([1, 2], [5, 50], [10, 20])
    with pytest.raises(ValueError, match="t_x must be 0"):
        clv.fit_bgnbd([0], [3], [10])


def test_organisations_are_fitted_independently_and_round_trip_through_duckdb():
    a = _org(800, seed=1, org="org-a")
    b = _org(900, seed=2, org="org-b", r=1.0, alpha=25.0, a=0.5, b=5.0)
    tiny = _org(3, seed=3, org="org-tiny")
    customers, params = clv.score_organisations(pd.concat([b, tiny, a], ignore_index=True))
    alone_c, alone_p = clv.score_organisations(a)
    pa = params.set_index("organization_id")
    assert list(pa.index) == ["org-a", "org-b", "org-tiny"]
    for c in PARAMETERS:
        assert pa.loc["org-a", c] == alone_p.iloc[0][c]
    got = customers[customers["organization_id"] == "org-a"].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, alone_c)
    assert pa.loc["org-b", "r"] != pa.loc["org-a", "r"]
    assert "too few customers" in pa.loc["org-tiny", "reason"]
    assert list(customers.columns) == clv.CUSTOMER_COLUMNS
    assert list(params.columns) == clv.PARAMS_COLUMNS

    con = duckdb.connect()
    con.register("clv", customers)
    con.register("params", params)
    types = dict(con.execute("select column_name, column_type from (describe params)").fetchall())
    assert types["customers_fitted"] == "BIGINT" and types["converged"] == "BOOLEAN"
    assert types["reason"] == "VARCHAR" and types["r"] == "DOUBLE"
    assert con.execute(
        "select count(*) from params where reason is null and converged and r is not null"
    ).fetchone()[0] == 2
    assert con.execute("select count(*) from params where r is null").fetchone()[0] == 1
    # NULL, not NaN, where a value does not exist
    assert con.execute(
        "select count(*) from clv where organization_id = 'org-tiny' and p_alive is null"
    ).fetchone()[0] == 3
    assert con.execute("select count(*) from clv where x = 0 and m is null").fetchone()[0] == \
        int((customers["x"] == 0).sum())
    assert con.execute("select count(*) from clv where isnan(p_alive) or isnan(m)").fetchone()[0] == 0
    con.close()


def test_empty_input():
    empty = pd.DataFrame(columns=["organization_id", "customer_id", "x", "t_x", "T", "m"])
    customers, params = clv.score_organisations(empty)
    assert customers.empty and params.empty
    assert list(customers.columns) == clv.CUSTOMER_COLUMNS
    assert list(params.columns) == clv.PARAMS_COLUMNS
