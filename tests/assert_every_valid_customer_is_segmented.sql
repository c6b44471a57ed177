{#- customer_segments holds exactly the valid customers, each once. -#}
with

valid_customers as (
    select customer_id
    from {{ ref('int_customers_validated') }}
    where reject_reason_code is null
),

segmented as (
    select customer_id from {{ ref('customer_segments') }}
)

select
    coalesce(valid_customers.customer_id, segmented.customer_id) as customer_id,
    case
        when segmented.customer_id is null then 'valid customer not segmented'
        else 'segmented customer not valid'
    end as problem
from valid_customers
full outer join segmented
    on valid_customers.customer_id = segmented.customer_id
where valid_customers.customer_id is null or segmented.customer_id is null
