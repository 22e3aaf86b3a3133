{#- Every order with the document's cross-table validation: referential
    integrity, business rules, and one severity per order
    (HIGH > MEDIUM > LOW > NONE). Gold counts orders below HIGH. -#}
with

orders as (
    select * from {{ ref('stg_ecommerce__orders') }}
),

customers as (
    select * from {{ ref('stg_ecommerce__customers') }}
),

products as (
    select * from {{ ref('stg_ecommerce__products') }}
),

shipping as (
    select * from {{ ref('stg_ecommerce__shipping') }}
),

{%- set statuses = var("ecommerce_order_statuses") %}

checked as (
    select
        orders.*,
        customers.customer_id is not null as has_known_customer,
        products.product_id is not null as has_known_product,
        shipping.order_id is not null as has_shipment,
        orders.order_status in ('{{ statuses | join("', '") }}') as is_valid_status,  -- noqa: LT05
        coalesce(products.is_discontinued, false) as is_discontinued_product,
        coalesce(customers.is_valid_email and customers.is_valid_phone, false) as has_valid_contact
    from orders
    left join customers on orders.customer_id = customers.customer_id
    left join products on orders.product_id = products.product_id
    left join shipping on orders.order_id = shipping.order_id
),

final as (
    select
        *,
        concat_ws(
            '; ',
            case when not has_known_customer then 'orphaned order: unknown customer_id' end,
            case when not has_known_product then 'orphaned order: unknown product_id' end,
            case when not is_valid_amount then 'order_amount is not positive' end,
            case when not is_valid_currency then 'currency is not USD' end,
            case when not is_valid_status then 'unknown order_status' end,
            case when is_discontinued_product then 'product is discontinued' end,
            case when not has_valid_contact then 'customer email or phone is invalid' end,
            case when not has_shipment then 'no shipment record' end
        ) as validation_errors,
        case
            when not (has_known_customer and has_known_product and is_valid_amount) then 'HIGH'
            when not (is_valid_currency and is_valid_status) or is_discontinued_product then 'MEDIUM'
            when not (has_valid_contact and has_shipment) then 'LOW'
            else 'NONE'
        end as validation_severity
    from checked
)

select * from final
