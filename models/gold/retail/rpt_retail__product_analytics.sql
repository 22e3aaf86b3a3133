{#- The document's product_analytics: inventory of active products by supplier
    and category. -#}
with

products as (
    select * from {{ ref('int_retail__products_active') }}
),

final as (
    select
        concat(supplier, '|', category) as supplier_category_key,
        supplier,
        category,
        count(*) as active_products,
        sum(stock_quantity) as total_stock,
        cast(avg(price) as decimal(14, 2)) as avg_price,
        cast(sum(inventory_value) as decimal(16, 2)) as inventory_value,
        count(case when stock_quantity = 0 then 1 end) as out_of_stock_products
    from products
    group by supplier, category
)

select * from final
