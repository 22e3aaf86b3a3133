{#- One row per usable order (validation severity below HIGH), enriched with
    product, customer and shipment attributes and the document's business
    metrics: revenue, estimated cost and gross profit. -#}
with

orders as (
    select * from {{ ref('int_ecommerce__orders_validated') }}
    where validation_severity != 'HIGH'
),

products as (
    select * from {{ ref('stg_ecommerce__products') }}
),

customers as (
    select * from {{ ref('stg_ecommerce__customers') }}
),

shipping as (
    select * from {{ ref('stg_ecommerce__shipping') }}
),

margins as (
    select * from {{ ref('ecommerce_category_margins') }}
),

enriched as (
    select
        -- ids
        orders.order_id,
        orders.customer_id,
        orders.product_id,

        -- dimensions
        products.category,
        products.subcategory,
        products.brand,
        customers.customer_tier,
        customers.state as customer_state,
        orders.payment_method,
        orders.order_status,
        shipping.shipping_method,
        orders.validation_severity,

        -- dates
        orders.order_date,
        year(orders.order_date) as order_year,
        quarter(orders.order_date) as order_quarter,
        month(orders.order_date) as order_month,
        {{ season_of('orders.order_date') }} as season,
        {{ season_year_of('orders.order_date') }} as season_year,

        -- measures
        orders.order_amount,
        orders.order_status not in ('cancelled', 'returned') as is_revenue_order,
        shipping.shipping_cost,
        cast(orders.order_amount * coalesce(margins.cost_ratio, 1) as decimal(14, 2)) as estimated_cost
    from orders
    inner join products on orders.product_id = products.product_id
    left join customers on orders.customer_id = customers.customer_id
    left join shipping on orders.order_id = shipping.order_id
    left join margins on products.category = margins.category
),

final as (
    select
        *,
        case when is_revenue_order then order_amount else 0 end as revenue,
        case when is_revenue_order then order_amount - estimated_cost else 0 end as gross_profit
    from enriched
)

select * from final
