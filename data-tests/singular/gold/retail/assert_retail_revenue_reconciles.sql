-- Completed revenue is the same by segment and city, by category, by payment
-- method and by device, and equals the silver total.
with

silver as (
    select sum(total_amount) as revenue from {{ ref('int_retail__transactions_completed') }}
),

by_segment as (
    select sum(total_revenue) as revenue from {{ ref('rpt_retail__customer_analytics') }}
),

by_category as (
    select sum(total_revenue) as revenue from {{ ref('rpt_retail__category_analytics') }}
),

by_payment as (
    select sum(total_revenue) as revenue from {{ ref('rpt_retail__payment_analytics') }}
),

by_device as (
    select sum(completed_revenue) as revenue from {{ ref('rpt_retail__device_analytics') }}
),

final as (
    select
        silver.revenue as silver_revenue,
        by_segment.revenue as segment_revenue,
        by_category.revenue as category_revenue,
        by_payment.revenue as payment_revenue,
        by_device.revenue as device_revenue
    from silver
    cross join by_segment
    cross join by_category
    cross join by_payment
    cross join by_device
    where
        abs(silver.revenue - by_segment.revenue) > 0.01
        or abs(silver.revenue - by_category.revenue) > 0.01
        or abs(silver.revenue - by_payment.revenue) > 0.01
        or abs(silver.revenue - by_device.revenue) > 0.01
)

select * from final
