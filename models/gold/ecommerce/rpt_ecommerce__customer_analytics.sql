{#- One row per customer (the document's customer_analytics): order count,
    spend, average order value, recency, an estimated lifetime value and the
    VIP / High / Medium / Low Value segment from ecommerce_customer_segments. -#}
with

customers as (
    select * from {{ ref('stg_ecommerce__customers') }}
),

orders as (
    select * from {{ ref('fct_ecommerce__orders') }}
),

segments as (
    select * from {{ ref('ecommerce_customer_segments') }}
),

as_of as (
    select max(order_date) as as_of_date from orders
),

order_totals as (
    select
        customer_id,
        count(case when is_revenue_order then order_id end) as total_orders,
        sum(revenue) as total_spent,
        sum(gross_profit) as total_gross_profit,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from orders
    group by customer_id
),

metrics as (
    select
        customers.customer_id,
        customers.customer_display_name,
        customers.customer_tier,
        customers.city,
        customers.state,
        customers.lifecycle_stage,
        coalesce(order_totals.total_orders, 0) as total_orders,
        cast(coalesce(order_totals.total_spent, 0) as decimal(14, 2)) as total_spent,
        cast(coalesce(order_totals.total_gross_profit, 0) as decimal(14, 2)) as total_gross_profit,
        order_totals.first_order_date,
        order_totals.last_order_date,
        cast(datediff(as_of.as_of_date, order_totals.last_order_date) as int) as days_since_last_order,
        -- whole months from the first to the latest order, at least one
        greatest(
            1, cast(floor(months_between(order_totals.last_order_date, order_totals.first_order_date)) as int)
        ) as active_months
    from customers
    left join order_totals on customers.customer_id = order_totals.customer_id
    cross join as_of
),

segment_matches as (
    select
        metrics.customer_id,
        segments.segment,
        row_number() over (partition by metrics.customer_id order by segments.segment_rank) as match_rank
    from metrics
    inner join segments
        on
            metrics.total_spent >= segments.min_total_spent
            and metrics.total_orders >= segments.min_orders
),

final as (
    select
        metrics.*,
        segment_matches.segment as customer_segment,
        cast(case when metrics.total_orders > 0 then metrics.total_spent / metrics.total_orders end as decimal(14, 2))
            as avg_order_value,
        -- CLV estimate: spend per active month, carried over the CLV horizon
        cast(metrics.total_spent / metrics.active_months * {{ var('clv_horizon_months') }} as decimal(14, 2))
            as estimated_clv
    from metrics
    inner join segment_matches
        on metrics.customer_id = segment_matches.customer_id and segment_matches.match_rank = 1
)

select * from final
