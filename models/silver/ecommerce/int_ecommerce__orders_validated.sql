{#- Every order with the document's cross-table validation: referential
    integrity, business rules, and one severity per order
    (HIGH > MEDIUM > LOW > NONE), the worst severity that the rules seed
    (ecommerce_validation_rules) gives the order's failed rules. Gold counts
    orders below HIGH. -#}
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

rules as (
    select * from {{ ref('ecommerce_validation_rules') }}
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
        coalesce(customers.is_valid_email, false) as has_valid_email,
        coalesce(customers.is_valid_phone, false) as has_valid_phone
    from orders
    left join customers on orders.customer_id = customers.customer_id
    left join products on orders.product_id = products.product_id
    left join shipping on orders.order_id = shipping.order_id
),

failed_rules as (
    {%- set order_rules = {
        'orphaned_customer': 'not has_known_customer',
        'orphaned_product': 'not has_known_product',
        'non_positive_amount': 'not is_valid_amount',
        'invalid_currency': 'not is_valid_currency',
        'unknown_order_status': 'not is_valid_status',
        'discontinued_product_ordered': 'is_discontinued_product',
        'missing_shipment': 'not has_shipment',
        'invalid_email': 'not has_valid_email',
        'invalid_phone': 'not has_valid_phone',
    } %}
    {%- for rule_id, failed in order_rules.items() %}
        select
            order_id,
            '{{ rule_id }}' as rule_id
        from checked
        where {{ failed }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

order_severity as (
    select
        failed_rules.order_id,
        max(case rules.rule_severity when 'HIGH' then 3 when 'MEDIUM' then 2 when 'LOW' then 1 end)
            as severity_rank
    from failed_rules
    inner join rules on failed_rules.rule_id = rules.rule_id
    group by failed_rules.order_id
),

final as (
    select
        checked.*,
        checked.has_valid_email and checked.has_valid_phone as has_valid_contact,
        concat_ws(
            '; ',
            case when not checked.has_known_customer then 'orphaned order: unknown customer_id' end,
            case when not checked.has_known_product then 'orphaned order: unknown product_id' end,
            case when not checked.is_valid_amount then 'order_amount is not positive' end,
            case when not checked.is_valid_currency then 'currency is not USD' end,
            case when not checked.is_valid_status then 'unknown order_status' end,
            case when checked.is_discontinued_product then 'product is discontinued' end,
            case
                when not (checked.has_valid_email and checked.has_valid_phone)
                    then 'customer email or phone is invalid'
            end,
            case when not checked.has_shipment then 'no shipment record' end
        ) as validation_errors,
        case order_severity.severity_rank
            when 3 then 'HIGH'
            when 2 then 'MEDIUM'
            when 1 then 'LOW'
            else 'NONE'
        end as validation_severity
    from checked
    left join order_severity on checked.order_id = order_severity.order_id
)

select * from final
