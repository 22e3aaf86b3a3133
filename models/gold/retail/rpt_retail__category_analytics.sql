{#- The document's category_analytics: revenue and volume per product category,
    over completed transactions. -#}
with

transactions as (
    select * from {{ ref('int_retail__transactions_completed') }}
),

products as (
    select * from {{ ref('stg_retail__products') }}
),

final as (
    select
        coalesce(products.category, 'Unknown') as category,
        count(*) as transaction_count,
        sum(transactions.quantity) as units_sold,
        cast(sum(transactions.total_amount) as decimal(16, 2)) as total_revenue,
        cast(avg(transactions.unit_price) as decimal(14, 2)) as avg_unit_price,
        count(distinct transactions.customer_id) as unique_customers
    from transactions
    left join products on transactions.product_id = products.product_id
    group by coalesce(products.category, 'Unknown')
)

select * from final
