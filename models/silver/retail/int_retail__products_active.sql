{#- The document's products_active: products currently flagged active. -#}
with

products as (
    select * from {{ ref('stg_retail__products') }}
),

final as (
    select *
    from products
    where is_active
)

select * from final
