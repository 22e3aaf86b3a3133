{#- One row per product and stock update (last_updated): stock levels over time. -#}
with

source as (
    select * from {{ source('ecommerce', 'inventory') }}
),

latest as (
    {{ deduplicate('source', 'product_id, last_updated', '_ingested_at desc, _source_file desc') }}
),

final as (
    select
        -- ids
        concat(product_id, '|', cast(last_updated as string)) as inventory_update_id,
        product_id,

        -- stock
        stock_quantity,
        lower(trim(stock_status)) as stock_status,
        warehouse_location,
        coalesce(stock_quantity >= 0, false) as is_valid_quantity,
        -- the status a quantity implies, to catch feeds that disagree with themselves
        case
            when stock_quantity = 0 then 'out_of_stock'
            when stock_quantity < 20 then 'low_stock'
            else 'in_stock'
        end as expected_stock_status,

        -- dates and timestamps
        last_updated as last_updated_at,
        created_timestamp as source_created_at,
        _ingested_at,
        _source_file
    from latest
)

select * from final
