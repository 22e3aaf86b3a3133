{#- One row per retail product: the latest delivered version. -#}
with

source as (
    select * from {{ source('retail', 'products') }}
),

latest as (
    {{ deduplicate('source', 'product_id', '_ingested_at desc, _source_file desc') }}
),

final as (
    select
        -- ids
        product_id,

        -- attributes
        product_name,
        category,
        supplier,
        coalesce(is_active, false) as is_active,

        -- numerics
        price,
        stock_quantity,
        cast(price * stock_quantity as decimal(16, 2)) as inventory_value,

        -- timestamps
        _ingested_at,
        _source_file
    from latest
)

select * from final
