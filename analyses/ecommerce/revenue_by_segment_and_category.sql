-- Which product categories do the VIP and High Value segments buy, compared
-- with everyone else? (the document's "customer segment performance" question)
with

orders as (
    select * from {{ ref('fct_ecommerce__orders') }}
),

customers as (
    select * from {{ ref('rpt_ecommerce__customer_analytics') }}
),

joined as (
    select
        orders.category,
        orders.revenue,
        customers.customer_segment
    from orders
    inner join customers on orders.customer_id = customers.customer_id
    where orders.is_revenue_order
),

final as (
    select
        customer_segment,
        category,
        cast(sum(revenue) as decimal(14, 2)) as revenue,
        cast(sum(revenue) / sum(sum(revenue)) over (partition by customer_segment) as double)
            as share_of_segment_revenue
    from joined
    group by customer_segment, category
)

select * from final
order by customer_segment asc, revenue desc
