{#- One row per order_id. Incremental: each run reads only bronze rows
    ingested since the newest row it already has (late files carry the stamp
    of their arrival) and merges them on order_id (the latest delivery wins). -#}
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
    select * from {{ source('ecommerce', 'orders') }}
    where {{ ingested_since_last_build() }}
),

latest as (
    {{ deduplicate('source', 'order_id', '_ingested_at desc, created_timestamp desc, _source_file desc') }}
),

final as (
    select
        -- ids
        order_id,
        customer_id,
        product_id,

        -- order
        upper(trim(currency)) as currency,
        lower(trim(payment_method)) as payment_method,
        lower(trim(order_status)) as order_status,
        sha2(lower(trim(shipping_address)), 256) as shipping_address_sha256,

        -- numerics
        order_amount,

        -- validation flags (document: "validates order amounts, customer IDs and product IDs")
        coalesce(order_amount > 0, false) as is_valid_amount,
        coalesce(upper(trim(currency)) = 'USD', false) as is_valid_currency,
        coalesce(regexp_like(trim(shipping_address), '{{ var("shipping_address_regex") }}'), false)
            as is_valid_shipping_address,

        -- dates and timestamps
        order_date,
        created_timestamp as source_created_at,
        _ingested_at,
        _source_file,
        _batch_id,
        {{ key_block('order_id') }} as _order_id_block,
        {{ build_stamp() }} as _built_at
    from latest
)

select * from final
