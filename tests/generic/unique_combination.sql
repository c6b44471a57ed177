{#- The model has at most one row per combination of `combination_of_columns`. Candidates are
    found by grouping a 64-bit hash of the combination (much cheaper than grouping long text
    keys over a hundred million rows); only they are grouped by their real values. -#}
{% test unique_combination(model, combination_of_columns) %}
    {%- set key = combination_of_columns | join(', ') -%}
    with

    candidate_hashes as (
        select {{ hash64(key) }} as key_hash
        from {{ model }}
        group by {{ hash64(key) }}
        having count(*) > 1
    )

    select {{ key }}, count(*) as copies
    from {{ model }}
    where {{ hash64(key) }} in (select key_hash from candidate_hashes)
    group by {{ key }}
    having count(*) > 1
{% endtest %}
