{#- One row per organisation and model it has customers for (sbg for its contractual
    customers, var clv_noncontractual_model for the others): the published variant of the
    maximum-likelihood fit at as_of_date (MBG/NBD or BG/NBD full: r, alpha in days, a, b;
    homogeneous_dropout: r, alpha, dropout_probability; no_dropout: r, alpha; with
    Gamma-Gamma p, q, v. sBG full: alpha, beta; geometric: dropout_probability), its AIC, or
    the reason it is missing (rules section 9). An organisation without a customer with a
    value event has no row. -#}
{#- Typed explicitly (macro clv_typed_columns): a Python model's empty output has no types. -#}
select distinct
    {{ clv_typed_columns([
        'organization_id', 'model', 'customers_fitted', 'r', 'alpha', 'a', 'b', 'sbg_alpha',
        'sbg_beta', 'log_likelihood', 'p', 'q', 'v', 'gamma_gamma_log_likelihood', 'converged',
        'reason', ['fit_variant', 'variant'], 'dropout_probability', 'aic'
    ]) }}  -- noqa: CP02

from {{ ref('int_customers_clv_scored') }}
where reference = 'as_of'
