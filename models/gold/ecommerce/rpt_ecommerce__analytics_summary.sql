{#- One row of overall KPIs (the document's analytics_summary), as of the
    latest order date in the data. -#}
with

orders as (
    select * from {{ ref('fct_ecommerce__orders') }}
),

customers as (
    select * from {{ ref('rpt_ecommerce__customer_analytics') }}
),

validated as (
    select * from {{ ref('int_ecommerce__orders_validated') }}
),

order_kpis as (
    select
        max(order_date) as as_of_date,
        count(case when is_revenue_order then order_id end) as total_orders,
        cast(sum(revenue) as decimal(14, 2)) as total_revenue,
        cast(sum(gross_profit) as decimal(14, 2)) as total_gross_profit,
        count(case when revenue_exclusion_reason in ('cancelled', 'returned') then order_id end)
            as orders_cancelled_or_returned,
        count(case when revenue_exclusion_reason = 'unknown status' then order_id end)
            as orders_excluded_unknown_status,
        count(case when revenue_exclusion_reason = 'not USD' then order_id end) as orders_excluded_non_usd,
        count(distinct product_id) as products_sold
    from orders
),

customer_kpis as (
    select
        count(*) as total_customers,
        count(case when total_orders > 0 then customer_id end) as buying_customers,
        cast(avg(estimated_clv) as decimal(14, 2)) as avg_estimated_clv
    from customers
),

quality_kpis as (
    select
        count(*) as orders_received,
        count(case when validation_severity = 'HIGH' then order_id end) as orders_rejected_high_severity
    from validated
),

final as (
    select
        order_kpis.as_of_date,
        order_kpis.total_orders,
        order_kpis.total_revenue,
        cast(order_kpis.total_revenue / nullif(order_kpis.total_orders, 0) as decimal(14, 2)) as avg_order_value,
        order_kpis.total_gross_profit,
        cast(order_kpis.total_gross_profit as double) / nullif(order_kpis.total_revenue, 0) as profit_margin,
        order_kpis.orders_cancelled_or_returned,
        order_kpis.orders_excluded_unknown_status,
        order_kpis.orders_excluded_non_usd,
        order_kpis.products_sold,
        customer_kpis.total_customers,
        customer_kpis.buying_customers,
        customer_kpis.avg_estimated_clv,
        quality_kpis.orders_received,
        quality_kpis.orders_rejected_high_severity
    from order_kpis
    cross join customer_kpis
    cross join quality_kpis
)

select * from final
