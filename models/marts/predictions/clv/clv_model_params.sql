{#- One row per organisation and model it has customers for (sbg for its contractual
    customers, var clv_noncontractual_model for the others): the published variant of the
    maximum-likelihood fit at as_of_date (MBG/NBD or BG/NBD full: r, alpha in days, a, b;
    homogeneous_dropout: r, alpha, dropout_probability; no_dropout: r, alpha; with
    Gamma-Gamma p, q, v. sBG full: alpha, beta; geometric: dropout_probability), its AIC, or
    the reason it is missing (rules section 9). An organisation without a customer with a
    value event has no row. -#}
{#- Typed explicitly: a Python model's output has no types of its own when it is empty. -#}
select distinct
    cast(organization_id as {{ dbt.type_string() }}) as organization_id,
    cast(model as {{ dbt.type_string() }}) as model,
    cast(customers_fitted as {{ dbt.type_bigint() }}) as customers_fitted,
    cast(r as {{ type_double() }}) as r,
    cast(alpha as {{ type_double() }}) as alpha,
    cast(a as {{ type_double() }}) as a,
    cast(b as {{ type_double() }}) as b,
    cast(sbg_alpha as {{ type_double() }}) as sbg_alpha,
    cast(sbg_beta as {{ type_double() }}) as sbg_beta,
    cast(log_likelihood as {{ type_double() }}) as log_likelihood,
    cast(p as {{ type_double() }}) as p,
    cast(q as {{ type_double() }}) as q,
    cast(v as {{ type_double() }}) as v,
    cast(gamma_gamma_log_likelihood as {{ type_double() }}) as gamma_gamma_log_likelihood,
    cast(converged as {{ dbt.type_boolean() }}) as converged,
    cast(reason as {{ dbt.type_string() }}) as reason,
    cast(fit_variant as {{ dbt.type_string() }}) as variant,
    cast(dropout_probability as {{ type_double() }}) as dropout_probability,
    cast(aic as {{ type_double() }}) as aic

from {{ ref('int_customers_clv_scored') }}
where reference = 'as_of'
