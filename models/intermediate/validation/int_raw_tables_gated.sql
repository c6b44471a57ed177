{#- One row per raw table: rows read (lines that could not be read included), rows rejected,
    their share and the most common reason; and whether the table passes the data-quality gate
    (rules section 10): a required table (organizations, customers, transactions) must have
    rows, and no raw table may have more than var `max_reject_share` of its rows rejected (the
    upload is a file a person edits, checked row by row in segmentation_errors). When a
    table fails, the post-hook stops the build with one message naming it (var
    `data_quality_gate: false` turns that into a warning); every model that reads the reference
    date depends on this one, so nothing downstream is built from broken input. -#}
{{ config(post_hook="{{ data_quality_gate(this) }}") }}

{%- set tables = raw_validated_models() -%}

with

outcomes as (
    {%- for table, validated in tables.items() %}

    select '{{ table }}' as source_table, reject_reason_code
    from {{ ref(validated) }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

    union all

    select source_table, 'unreadable_line' as reject_reason_code
    from {{ ref('stg_raw__load_errors') }}

),

tables as (

    {%- for table in tables %}
    select
        '{{ table }}' as source_table,
        {{ 'true' if table in ('organizations', 'customers', 'transactions') else 'false' }} as is_required
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

counts as (

    select
        source_table,
        count(*) as raw_rows,
        count(reject_reason_code) as rejected_rows

    from outcomes
    group by source_table

),

reasons as (

    select
        source_table,
        reject_reason_code,
        row_number() over (partition by source_table order by count(*) desc, reject_reason_code) as reason_rank

    from outcomes
    where reject_reason_code is not null
    group by source_table, reject_reason_code

),

final as (

    select
        tables.source_table,
        tables.is_required,
        coalesce(counts.raw_rows, 0) as raw_rows,
        coalesce(counts.rejected_rows, 0) as rejected_rows,
        case when counts.raw_rows > 0 then 1.0 * counts.rejected_rows / counts.raw_rows end as reject_share,
        reasons.reject_reason_code as top_reason_code,
        case
            when tables.is_required and coalesce(counts.raw_rows, 0) = 0
                then tables.source_table || ' has no rows: it is required (is the file or table missing or empty?)'
            when 1.0 * counts.rejected_rows / counts.raw_rows > {{ var('max_reject_share') }}
                then tables.source_table || ': ' || cast(counts.rejected_rows as {{ dbt.type_string() }}) || ' of '
                    || cast(counts.raw_rows as {{ dbt.type_string() }}) || ' rows rejected ('
                    || cast(
                        {{ round_to('100.0 * counts.rejected_rows / counts.raw_rows', 1) }} as {{ dbt.type_string() }}
                    )
                    || '%), more than var max_reject_share ({{ var("max_reject_share") }}); most common reason: '
                    || reasons.reject_reason_code || ' (see marts.data_quality_rejects)'
        end as gate_failure

    from tables
    left join counts on tables.source_table = counts.source_table
    left join reasons
        on tables.source_table = reasons.source_table
        and reasons.reason_rank = 1

)

select * from final
