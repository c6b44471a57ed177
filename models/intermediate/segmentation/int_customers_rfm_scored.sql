{#- One row per valid customer: RFM + engagement features, their 0-100 scores within the
    organisation and High/Medium/Low categories (rules section 4). With var rfm_source =
    'provided' the features and scores come from the customer_features source instead
    (latest calculated_at per customer); a customer it lacks scores 0 everywhere. -#}
with

features as (

    select * from {{ ref('int_computed_features_aggregated') }}

),

{%- if var('rfm_source') == 'provided' %}

provided as (

    select * from {{ valid_rows('int_provided_features_validated') }}
    where is_latest

),

scored as (

    select
        features.customer_id,
        features.organization_id,
        features.org_type,
        features.external_id,
        features.as_of_date,
        features.tenure_days,
        provided.recency_days,
        coalesce(provided.frequency, 0) as frequency,
        coalesce(provided.monetary, 0) as monetary,
        coalesce(provided.engagement, 0) as engagement,
        {{ round_to('coalesce(provided.recency_score, 0)', 2) }} as recency_score,
        {{ round_to('coalesce(provided.frequency_score, 0)', 2) }} as frequency_score,
        {{ round_to('coalesce(provided.monetary_score, 0)', 2) }} as monetary_score,
        {{ round_to('coalesce(provided.engagement_score, 0)', 2) }} as engagement_score

    from features
    left join provided
        on features.customer_id = provided.customer_id

),

{%- elif var('rfm_source') == 'computed' %}

scored as (

    select
        customer_id,
        organization_id,
        org_type,
        external_id,
        as_of_date,
        tenure_days,
        recency_days,
        frequency,
        monetary,
        engagement,
        {{ mid_rank_score('recency_days', higher_is_better=false) }} as recency_score,
        {{ mid_rank_score('frequency') }} as frequency_score,
        {{ mid_rank_score('monetary') }} as monetary_score,
        {{ mid_rank_score('engagement') }} as engagement_score

    from features

),

{%- else %}
    {{ exceptions.raise_compiler_error("var rfm_source must be 'computed' or 'provided', got '" ~ var('rfm_source') ~ "'") }}
{%- endif %}

categorised as (

    select
        *,
        {{ score_category('recency_score') }} as r_category,
        {{ score_category('frequency_score') }} as f_category,
        {{ score_category('monetary_score') }} as m_category,
        {{ score_category('engagement_score') }} as e_category,
        (recency_score + frequency_score + monetary_score + engagement_score) / 4.0 as rfm_score_exact

    from scored

)

select * from categorised
