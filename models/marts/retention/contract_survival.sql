{#- One row per organisation with contractual customers and renewal period k = 1 .. var
    `survival_periods` (rules section 12.2): the life table observed from the contracts beside
    the survival the organisation's sBG fit predicts. A customer tells whether it paid period k
    once k + 1 periods have fully elapsed since its first bill (periods_elapsed >= k + 1):
    those are eligible, and the eligible ones that paid beyond period k (periods_paid >= k + 1)
    survived it. predicted_survival is S(k) of the published sBG variant at as_of_date: full
    B(alpha, beta + k) / B(alpha, beta), the product over i < k of (beta + i) / (alpha + beta + i);
    geometric (1 - theta)^k; NULL when the organisation has no sBG fit. -#}
with

as_of as (

    select as_of_date
    from {{ ref('int_as_of_date_resolved') }}

),

contracts as (

    select
        organization_id,
        periods_paid,
        periods_elapsed

    from {{ ref('int_customers_purchases_summarized') }}
    where reference = 'as_of'
        and setting = 'contractual'

),

periods as (

    {{ var_integer_series('survival_periods', 1) }}

),

observed as (

    select
        contracts.organization_id,
        periods.n as period,
        count(case when contracts.periods_elapsed >= periods.n + 1 then 1 end) as eligible_customers,
        count(
            case when contracts.periods_elapsed >= periods.n + 1 and contracts.periods_paid >= periods.n + 1 then 1 end
        ) as surviving_customers

    from contracts
    cross join periods
    group by contracts.organization_id, periods.n

),

sbg_fits as (

    select
        organization_id,
        variant,
        sbg_alpha,
        sbg_beta,
        dropout_probability

    from {{ ref('clv_model_params') }}
    where model = 'sbg'
        and reason is null

),

{#- The full model's S(k) = prod over i < k of (beta + i) / (alpha + beta + i): the factor of
    period k (i = k - 1) here, their running product (as a sum of logs) below. -#}
survival_factors as (

    select
        sbg_fits.organization_id,
        sbg_fits.variant,
        sbg_fits.dropout_probability,
        periods.n as period,
        ln((sbg_fits.sbg_beta + periods.n - 1) / (sbg_fits.sbg_alpha + sbg_fits.sbg_beta + periods.n - 1)) as log_factor

    from sbg_fits
    cross join periods

),

running_survival as (

    select
        *,
        sum(log_factor) over (
            partition by organization_id order by period rows between unbounded preceding and current row
        ) as log_survival

    from survival_factors

),

predicted as (

    select
        organization_id,
        period,
        case
            when variant = 'full' then exp(log_survival)
            when variant = 'geometric' then power(1 - dropout_probability, period)
        end as survival

    from running_survival

)

select
    observed.organization_id,
    observed.period,
    observed.eligible_customers,
    observed.surviving_customers,
    case
        when observed.eligible_customers > 0
            then {{ round_ratio('observed.surviving_customers', 'observed.eligible_customers', 4) }}
    end as observed_survival,
    {{ round_to('predicted.survival', 4) }} as predicted_survival,
    as_of.as_of_date

from observed
cross join as_of
left join predicted
    on observed.organization_id = predicted.organization_id
    and observed.period = predicted.period
