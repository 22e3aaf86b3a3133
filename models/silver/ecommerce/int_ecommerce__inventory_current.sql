{#- The latest stock update of every product: the state the inventory snapshot tracks. -#}
with

inventory as (
    select * from {{ ref('stg_ecommerce__inventory') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by product_id
            order by last_updated_at desc, _ingested_at desc
        ) as update_rank
    from inventory
),

final as (
    select
        product_id,
        stock_quantity,
        stock_status,
        warehouse_location,
        last_updated_at
    from ranked
    where update_rank = 1
)

select * from final
