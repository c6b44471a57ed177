{#- The model has at most one row per combination of `combination_of_columns`. Candidates are
    found by grouping a 64-bit hash of the combination (much cheaper than grouping long text
    keys over a hundred million rows); only they are grouped by their real values.
    `latest_of` (a column, optional): only the rows holding that column's latest value, for
    an append-only history whose older slices were checked when they were written. -#}
{% test unique_combination(model, combination_of_columns, latest_of=none) %}
    {%- set key = combination_of_columns | join(', ') -%}
    {%- set rows = model if latest_of is none else
        '(select * from ' ~ model ~ ' where ' ~ latest_of ~ ' = (select max(' ~ latest_of ~ ') from ' ~ model ~ ')) as latest_rows' -%}
    with

    candidate_hashes as (
        select {{ hash64(key) }} as key_hash
        from {{ rows }}
        group by {{ hash64(key) }}
        having count(*) > 1
    )

    select {{ key }}, count(*) as copies
    from {{ rows }}
    where {{ hash64(key) }} in (select key_hash from candidate_hashes)
    group by {{ key }}
    having count(*) > 1
{% endtest %}
