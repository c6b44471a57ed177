{#- One row per valid organisation: its BG/NBD (r, alpha in days, a, b) and Gamma-Gamma (p,
    q, v) maximum-likelihood fits, or the reason they are missing (spec section 9). -#}
with

organizations as (

    select organization_id
    from {{ ref('int_organizations_validated') }}
    where reject_reason_code is null

),

fits as (

    -- Typed explicitly: a Python model's output has no types of its own when it is empty.
    select distinct
        cast(organization_id as {{ dbt.type_string() }}) as organization_id,
        cast(customers_fitted as {{ dbt.type_bigint() }}) as customers_fitted,
        cast(r as {{ type_double() }}) as r,
        cast(alpha as {{ type_double() }}) as alpha,
        cast(a as {{ type_double() }}) as a,
        cast(b as {{ type_double() }}) as b,
        cast(bgnbd_log_likelihood as {{ type_double() }}) as bgnbd_log_likelihood,
        cast(p as {{ type_double() }}) as p,
        cast(q as {{ type_double() }}) as q,
        cast(v as {{ type_double() }}) as v,
        cast(gamma_gamma_log_likelihood as {{ type_double() }}) as gamma_gamma_log_likelihood,
        cast(converged as {{ dbt.type_boolean() }}) as converged,
        cast(reason as {{ dbt.type_string() }}) as reason

    from {{ ref('int_customers_clv_scored') }}

)

select
    organizations.organization_id,
    coalesce(fits.customers_fitted, 0) as customers_fitted,
    fits.r,
    fits.alpha,
    fits.a,
    fits.b,
    fits.bgnbd_log_likelihood,
    fits.p,
    fits.q,
    fits.v,
    fits.gamma_gamma_log_likelihood,
    coalesce(fits.converged, false) as converged,
    case
        when fits.organization_id is null then 'no customer with a value event before as_of_date'
        else fits.reason
    end as reason

from organizations
left join fits
    on organizations.organization_id = fits.organization_id
