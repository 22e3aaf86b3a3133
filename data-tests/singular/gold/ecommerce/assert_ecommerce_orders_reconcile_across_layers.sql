-- Every deduplicated order is either in the fact table or rejected as HIGH
-- severity, and product and season totals agree with the fact table.
with

validated as (
    select
        count(*) as received,
        count(case when validation_severity = 'HIGH' then 1 end) as rejected
    from {{ ref('int_ecommerce__orders_validated') }}
),

facts as (
    select
        count(*) as n_orders,
        count(case when is_revenue_order then 1 end) as revenue_orders,
        sum(revenue) as revenue
    from {{ ref('fct_ecommerce__orders') }}
),

products as (
    select
        sum(total_orders) as revenue_orders,
        sum(total_revenue) as revenue
    from {{ ref('rpt_ecommerce__product_analytics') }}
),

seasons as (
    select
        sum(total_orders) as revenue_orders,
        sum(total_revenue) as revenue
    from {{ ref('rpt_ecommerce__seasonal_analysis') }}
),

final as (
    select
        validated.received,
        validated.rejected,
        facts.n_orders,
        facts.revenue_orders,
        facts.revenue,
        products.revenue_orders as product_revenue_orders,
        products.revenue as product_revenue,
        seasons.revenue_orders as season_revenue_orders,
        seasons.revenue as season_revenue
    from validated
    cross join facts
    cross join products
    cross join seasons
    where
        validated.received - validated.rejected != facts.n_orders
        or products.revenue_orders != facts.revenue_orders
        or seasons.revenue_orders != facts.revenue_orders
        or abs(products.revenue - facts.revenue) > 0.01
        or abs(seasons.revenue - facts.revenue) > 0.01
)

select * from final
