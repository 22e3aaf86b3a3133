{#- Every order with the document's cross-table validation: referential
    integrity, business rules, and one severity per order
    (HIGH > MEDIUM > LOW > NONE), the worst severity that the rules seed
    (ecommerce_validation_rules) gives the order's failed rules. The checks
    themselves live in the ecommerce_validation_checks macro; an order is
    also checked against its customer's contact rules. -#}
{%- set checks = ecommerce_validation_checks() %}
{%- set order_checks = dict(checks['orders'], **checks['customers']) %}
{%- set statuses = var("ecommerce_order_statuses") %}
{%- set premium_tiers = "'" ~ var("ecommerce_premium_tiers") | join("', '") ~ "'" %}

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

checked as (
    select
        orders.*,
        customers.customer_id is not null as has_known_customer,
        products.product_id is not null as has_known_product,
        shipping.order_id is not null as has_shipment,
        orders.order_status in ('{{ statuses | join("', '") }}') as is_valid_status,  -- noqa: LT05
        coalesce(products.is_discontinued, false) as is_discontinued_product,
        coalesce(customers.customer_tier in ({{ premium_tiers }}), false) as is_premium_customer,
        coalesce(customers.is_valid_email, false) as is_valid_email,
        coalesce(customers.is_valid_phone, false) as is_valid_phone
    from orders
    left join customers on orders.customer_id = customers.customer_id
    left join products on orders.product_id = products.product_id
    left join shipping on orders.order_id = shipping.order_id
),

failed_rules as (
    {%- for rule_id, failed in order_checks.items() %}
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

order_failures as (
    select
        failed_rules.order_id,
        max(case rules.rule_severity when 'HIGH' then 3 when 'MEDIUM' then 2 when 'LOW' then 1 end)
            as severity_rank,
        concat_ws(', ', array_sort(collect_list(failed_rules.rule_id))) as failed_rules,
        concat_ws('; ', array_sort(collect_list(rules.description))) as validation_errors
    from failed_rules
    inner join rules on failed_rules.rule_id = rules.rule_id
    group by failed_rules.order_id
),

final as (
    select
        checked.*,
        checked.is_valid_email and checked.is_valid_phone as has_valid_contact,
        coalesce(order_failures.failed_rules, '') as failed_rules,
        coalesce(order_failures.validation_errors, '') as validation_errors,
        case order_failures.severity_rank
            when 3 then 'HIGH'
            when 2 then 'MEDIUM'
            when 1 then 'LOW'
            else 'NONE'
        end as validation_severity
    from checked
    left join order_failures on checked.order_id = order_failures.order_id
)

select * from final
