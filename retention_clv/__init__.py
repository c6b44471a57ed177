"""Customer-lifetime-value maths for the retention-analytics dbt project (spec section 9).

BG/NBD (purchase counts and P(alive)) and Gamma-Gamma (spend), fitted by maximum likelihood
per organisation, in days. The dbt Python models only wire inputs to outputs:

    from retention_clv import score_organisations
    customers, params = score_organisations(summary_df, min_customers=50)

See ``bgnbd``, ``gamma_gamma``, ``summary``, ``scoring`` and ``simulate`` for the pieces.
"""
from .bgnbd import (BgNbdFit, expected_purchases, expected_purchases_new_customer, fit_bgnbd,
                    p_alive)
from .gamma_gamma import GammaGammaFit, expected_avg_value, fit_gamma_gamma
from .scoring import (CLV_HORIZON_DAYS, CUSTOMER_COLUMNS, PARAMS_COLUMNS,
                      PURCHASES_HORIZON_DAYS, score_organisation, score_organisations)
from .simulate import simulate
from .summary import summarise


def clv(x, t_x, T, m, bgnbd_params, gamma_gamma_params, horizon_days: float = CLV_HORIZON_DAYS):
    """Undiscounted expected value of the next ``horizon_days``: expected purchases in that
    horizon times the Gamma-Gamma expected average value. ``bgnbd_params`` = (r, alpha, a, b),
    ``gamma_gamma_params`` = (p, q, v) (or the fit objects' ``.params``)."""
    return (expected_purchases(horizon_days, x, t_x, T, *bgnbd_params)
            * expected_avg_value(x, m, *gamma_gamma_params))


__all__ = [
    "BgNbdFit", "GammaGammaFit", "fit_bgnbd", "fit_gamma_gamma", "p_alive",
    "expected_purchases", "expected_purchases_new_customer", "expected_avg_value", "clv",
    "summarise", "score_organisation", "score_organisations", "simulate",
    "CUSTOMER_COLUMNS", "PARAMS_COLUMNS", "PURCHASES_HORIZON_DAYS", "CLV_HORIZON_DAYS",
]
