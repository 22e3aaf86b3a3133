{#- One row per product: the latest delivered version, typed and validated. -#}
with

source as (
    select * from {{ source('ecommerce', 'products') }}
),

latest as (
    {{ deduplicate('source', 'product_id', '_ingested_at desc, created_timestamp desc, _source_file desc') }}
),

as_of as (
    select cast(max(created_timestamp) as date) as as_of_date from source
),

final as (
    select
        -- ids
        latest.product_id,

        -- descriptive
        latest.product_name,
        latest.category,
        latest.subcategory,
        latest.brand,
        latest.color,
        latest.material,
        latest.dimensions_cm,

        -- numerics
        latest.price,
        latest.currency,
        latest.stock_quantity,
        latest.weight_kg,

        -- lifecycle
        coalesce(latest.discontinued, false) as is_discontinued,
        datediff(as_of.as_of_date, latest.launch_date) as days_since_launch,
        case
            when coalesce(latest.discontinued, false) then 'discontinued'
            when datediff(as_of.as_of_date, latest.launch_date) <= 90 then 'introduction'
            when datediff(as_of.as_of_date, latest.launch_date) <= 365 then 'growth'
            else 'mature'
        end as lifecycle_stage,

        -- validation (document: "validates product prices and categories")
        coalesce(latest.price > 0, false) as is_valid_price,

        -- dates and timestamps
        latest.launch_date,
        latest.created_timestamp as source_created_at,
        latest._ingested_at,
        latest._source_file
    from latest
    cross join as_of
)

select * from final
