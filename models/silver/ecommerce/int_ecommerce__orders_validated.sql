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

ranked_rules as (
    select
        rule_id,
        description,
        case rule_severity when 'HIGH' then 3 when 'MEDIUM' then 2 when 'LOW' then 1 end as severity_rank
    from rules
),

-- the seed in one row: per rule, whether the seed has it, its severity rank
-- and its description, so that each order is checked in one pass
rule_settings as (
    select
    {%- for rule_id in order_checks %}
            count_if(rule_id = '{{ rule_id }}') > 0 as {{ rule_id }}__in_seed,
            max(case when rule_id = '{{ rule_id }}' then severity_rank end) as {{ rule_id }}__rank,
            max(case when rule_id = '{{ rule_id }}' then description end) as {{ rule_id }}__description
            {{- ',' if not loop.last }}
    {%- endfor %}
    from ranked_rules
),

final as (
    select
        checked.*,
        checked.is_valid_email and checked.is_valid_phone as has_valid_contact,
        concat_ws(', ', array_sort({{ failed_rules_array(order_checks, "'{rule_id}'") }})) as failed_rules,
        concat_ws('; ', array_sort({{ failed_rules_array(order_checks, '{rule_id}__description') }}))
            as validation_errors,
        case array_max({{ failed_rules_array(order_checks, '{rule_id}__rank') }})
            when 3 then 'HIGH'
            when 2 then 'MEDIUM'
            when 1 then 'LOW'
            else 'NONE'
        end as validation_severity
    from checked
    cross join rule_settings
)

select * from final
