{#- One row per customer segment (the document's segment_analysis): size,
    orders, revenue, average order value and lifetime value, revenue share. -#}
with

customers as (
    select * from {{ ref('rpt_ecommerce__customer_analytics') }}
),

segments as (
    select * from {{ ref('ecommerce_customer_segments') }}
),

totals as (
    select
        customer_segment,
        count(*) as customers,
        sum(total_orders) as total_orders,
        sum(total_spent) as total_revenue,
        sum(total_gross_profit) as total_gross_profit,
        cast(avg(estimated_clv) as decimal(14, 2)) as avg_estimated_clv
    from customers
    group by customer_segment
),

final as (
    select
        segments.segment as customer_segment,
        segments.segment_rank,
        coalesce(totals.customers, 0) as customers,
        coalesce(totals.total_orders, 0) as total_orders,
        cast(coalesce(totals.total_revenue, 0) as decimal(14, 2)) as total_revenue,
        cast(coalesce(totals.total_gross_profit, 0) as decimal(14, 2)) as total_gross_profit,
        cast(totals.total_revenue / nullif(totals.total_orders, 0) as decimal(14, 2)) as avg_order_value,
        cast(totals.avg_estimated_clv as decimal(14, 2)) as avg_estimated_clv,
        cast(coalesce(totals.total_revenue, 0) as double) / nullif(sum(totals.total_revenue) over (), 0)
            as revenue_share
    from segments
    left join totals on segments.segment = totals.customer_segment
)

select * from final
