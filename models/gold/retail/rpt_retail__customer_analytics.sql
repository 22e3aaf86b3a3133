{#- The document's customer_analytics: one row per customer segment and city. -#}
with

customers as (
    select * from {{ ref('int_retail__customers_enriched') }}
),

final as (
    select
        concat(customer_segment, '|', city) as segment_city_key,
        customer_segment,
        city,
        count(*) as customers,
        sum(completed_transactions) as completed_transactions,
        cast(sum(total_spent) as decimal(16, 2)) as total_revenue,
        cast(avg(total_spent) as decimal(14, 2)) as avg_spent_per_customer,
        cast(sum(total_spent) / nullif(sum(completed_transactions), 0) as decimal(14, 2)) as avg_order_value,
        cast(avg(age) as double) as avg_age
    from customers
    group by customer_segment, city
)

select * from final
