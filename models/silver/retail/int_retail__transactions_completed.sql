{#- The document's transactions_clean: completed transactions only, with a
    positive quantity. Cancelled, pending, refunded and unknown statuses stay
    in stg_retail__transactions. -#}
with

transactions as (
    select * from {{ ref('stg_retail__transactions') }}
),

final as (
    select *
    from transactions
    where status = 'completed' and is_valid_quantity
)

select * from final
