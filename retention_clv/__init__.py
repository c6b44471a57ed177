"""Customer-lifetime-value maths for the retention-analytics dbt project (rules section 9).

Fitted by maximum likelihood per organisation and setting, in days, each in its nested
variants with the lowest AIC published (``fit_variants`` of ``bgnbd`` and ``sbg``):

- non-contractual customers: MBG/NBD (default) or BG/NBD for purchase counts, P(alive) and
  model churn (``bgnbd``, one likelihood with a ``modified`` switch), Gamma-Gamma for spend
  (``gamma_gamma``);
- contractual customers: the shifted-beta-geometric retention model (``sbg``).

The dbt Python model only wires inputs to outputs:

    from retention_clv import score_organizations
    customers, params = score_organizations(summary_df, noncontractual_model="mbgnbd")

See ``scoring`` for the outputs, ``summary`` for the non-contractual summary in pandas and
``simulate`` for seeded simulations.
"""

import warnings

from .bgnbd import BgNbdFit, expected_purchases, expected_purchases_new_customer, fit_bgnbd, fit_mbgnbd, p_alive
from .gamma_gamma import GammaGammaFit, expected_avg_value, fit_gamma_gamma
from .sbg import SbgFit, fit_sbg
from .scoring import (
    CHURN_HORIZON_DAYS,
    CLV_HORIZON_DAYS,
    CONTRACT_PERIOD_DAYS,
    CUSTOMER_COLUMNS,
    NONCONTRACTUAL_MODELS,
    PARAMS_COLUMNS,
    PURCHASES_HORIZON_DAYS,
    score_organizations,
)
from .simulate import simulate, simulate_contracts
from .summary import summarize_purchases


def _deprecated(new, old_name, removed_in):
    def alias(*args, **kwargs):
        warnings.warn(
            f"retention_clv.{old_name} is deprecated and removed in {removed_in}: use {new.__name__}",
            DeprecationWarning,
            stacklevel=2,
        )
        return new(*args, **kwargs)

    alias.__name__ = old_name
    return alias


# The British spellings of the first version, kept in 0.2.0 and removed in 0.3.0.
score_organisations = _deprecated(score_organizations, "score_organisations", "0.3.0")
summarise = _deprecated(summarize_purchases, "summarise", "0.3.0")

__all__ = [
    "score_organizations",
    "CUSTOMER_COLUMNS",
    "PARAMS_COLUMNS",
    "NONCONTRACTUAL_MODELS",
    "PURCHASES_HORIZON_DAYS",
    "CLV_HORIZON_DAYS",
    "CHURN_HORIZON_DAYS",
    "CONTRACT_PERIOD_DAYS",
    "BgNbdFit",
    "fit_bgnbd",
    "fit_mbgnbd",
    "p_alive",
    "expected_purchases",
    "expected_purchases_new_customer",
    "GammaGammaFit",
    "fit_gamma_gamma",
    "expected_avg_value",
    "SbgFit",
    "fit_sbg",
    "summarize_purchases",
    "simulate",
    "simulate_contracts",
]
