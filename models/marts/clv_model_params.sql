{#- One row per valid organisation: its BG/NBD (r, alpha in days, a, b) and Gamma-Gamma (p,
    q, v) maximum-likelihood fits, or the reason they are missing (spec section 9). -#}
with

organizations as (

    select organization_id
    from {{ ref('int_organizations_validated') }}
    where reject_reason_code is null

),

fits as (

    select distinct
        organization_id,
        customers_fitted,
        r,
        alpha,
        a,
        b,
        bgnbd_log_likelihood,
        p,
        q,
        v,
        gamma_gamma_log_likelihood,
        converged,
        reason

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
