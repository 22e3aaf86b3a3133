{#- One row per product (the document's product_analytics): orders, revenue,
    gross profit and margin, and the Star / High / Medium / Low Performer
    category from percentile ranks (ecommerce_product_performance). -#}
with

products as (
    select * from {{ ref('stg_ecommerce__products') }}
),

orders as (
    select * from {{ ref('fct_ecommerce__orders') }}
),

thresholds as (
    select * from {{ ref('ecommerce_product_performance') }}
),

sales as (
    select
        product_id,
        count(case when is_revenue_order then order_id end) as total_orders,
        count(distinct case when is_revenue_order then customer_id end) as unique_customers,
        sum(revenue) as total_revenue,
        sum(gross_profit) as total_gross_profit
    from orders
    group by product_id
),

ranked as (
    select
        products.product_id,
        products.product_name,
        products.category,
        products.subcategory,
        products.brand,
        products.price,
        products.lifecycle_stage,
        products.is_discontinued,
        coalesce(sales.total_orders, 0) as total_orders,
        coalesce(sales.unique_customers, 0) as unique_customers,
        cast(coalesce(sales.total_revenue, 0) as decimal(14, 2)) as total_revenue,
        cast(coalesce(sales.total_gross_profit, 0) as decimal(14, 2)) as total_gross_profit,
        percent_rank() over (order by coalesce(sales.total_revenue, 0)) as revenue_percentile,
        percent_rank() over (order by coalesce(sales.total_orders, 0)) as orders_percentile
    from products
    left join sales on products.product_id = sales.product_id
),

category_matches as (
    select
        ranked.product_id,
        thresholds.performance_category,
        row_number() over (partition by ranked.product_id order by thresholds.category_rank) as match_rank
    from ranked
    inner join thresholds
        on
            ranked.revenue_percentile >= thresholds.min_revenue_percentile
            and ranked.orders_percentile >= thresholds.min_orders_percentile
),

final as (
    select
        ranked.*,
        category_matches.performance_category,
        case when ranked.total_revenue > 0 then cast(ranked.total_gross_profit as double) / ranked.total_revenue end
            as profit_margin
    from ranked
    inner join category_matches
        on ranked.product_id = category_matches.product_id and category_matches.match_rank = 1
)

select * from final
