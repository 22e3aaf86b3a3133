{#- One row per order's shipment: the latest delivered version. Incremental:
    reads only newly ingested shipping rows and merges them on order_id. -#}
{{
    config(
        materialized=incremental_where_supported(),
        unique_key='order_id',
        partition_by='_order_id_block',
        meta={'partition_follows_key': true},
    )
}}

with

source as (
    select * from {{ source('ecommerce', 'shipping') }}
    where {{ ingested_since_last_build() }}
),

latest as (
    {{ deduplicate('source', 'order_id', '_ingested_at desc, created_timestamp desc, _source_file desc') }}
),

final as (
    select
        -- ids
        order_id,
        tracking_number,

        -- shipment
        lower(trim(shipping_method)) as shipping_method,
        shipping_cost,
        upper(trim(currency)) as currency,
        package_weight as package_weight_kg,
        dimensions_cm,
        coalesce(shipping_cost >= 0, false) as is_valid_cost,

        -- delivery
        estimated_delivery as estimated_delivery_date,
        actual_delivery as actual_delivery_date,
        actual_delivery is not null as is_delivered,
        actual_delivery <= estimated_delivery as is_on_time,
        datediff(actual_delivery, estimated_delivery) as delivery_delay_days,

        -- dates and timestamps
        created_timestamp as source_created_at,
        _ingested_at,
        _source_file,
        {{ key_block('order_id') }} as _order_id_block,
        {{ build_stamp() }} as _built_at
    from latest
)

select * from final
