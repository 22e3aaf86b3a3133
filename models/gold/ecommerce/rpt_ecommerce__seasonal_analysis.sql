{#- One row per season (the document's seasonal_analysis): orders, revenue,
    profit and customers of each meteorological season. -#}
with

orders as (
    select * from {{ ref('fct_ecommerce__orders') }}
),

final as (
    select
        concat(season, ' ', cast(season_year as string)) as season_key,
        season,
        season_year,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(case when is_revenue_order then order_id end) as total_orders,
        count(distinct case when is_revenue_order then customer_id end) as unique_customers,
        cast(sum(revenue) as decimal(14, 2)) as total_revenue,
        cast(sum(gross_profit) as decimal(14, 2)) as total_gross_profit,
        cast(sum(revenue) / nullif(count(case when is_revenue_order then order_id end), 0) as decimal(14, 2))
            as avg_order_value
    from orders
    group by season, season_year
)

select * from final
