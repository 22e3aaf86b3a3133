{#- Every order with the document's cross-table validation: referential
    integrity, business rules, and one severity per order
    (HIGH > MEDIUM > LOW > NONE), the worst severity that the rules seed
    (ecommerce_validation_rules) gives the order's failed rules. The checks
    themselves live in the ecommerce_validation_checks macro; an order is
    also checked against its customer's contact rules.
    Incremental by order: a run validates again the orders that input
    ingested since the newest of it this model holds reaches (new or
    re-delivered orders, and the orders of customers, products and shipments
    delivered since), and every order when the rules seed or this model's
    logic changed (macros/utils/input_changed_since.sql). -#}
{{
    config(
        materialized=incremental_where_supported(),
        unique_key='order_id',
    )
}}
{%- set checks = ecommerce_validation_checks() %}
{%- set order_checks = dict(checks['orders'], **checks['customers']) %}
{%- set statuses = var("ecommerce_order_statuses") %}
{%- set premium_tiers = "'" ~ var("ecommerce_premium_tiers") | join("', '") ~ "'" %}
{%- set logic = [order_checks, statuses, premium_tiers] %}
{%- set since = input_stamps_since(
    {
        'orders._ingested_at': '_ingested_at',
        'customers._ingested_at': '_customer_ingested_at',
        'products._ingested_at': '_product_ingested_at',
        'shipping._ingested_at': '_shipment_ingested_at',
    },
    '_logic_sha256', ref('ecommerce_validation_rules'), logic, var('incremental_lookback_minutes')
) %}

with

all_orders as (
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

{%- if since is not none %}

    -- incremental: the orders that input ingested since the newest of it
    -- this model holds reaches, found from each input alone (a condition over
    -- the joined inputs would join every order first)
    customers_since as (
        select customer_id from customers
        where _ingested_at > {{ since['customers._ingested_at'] }}
    ),

    products_since as (
        select product_id from products
        where _ingested_at > {{ since['products._ingested_at'] }}
    ),

    -- (read by orders under the same condition, which sqlfluff lints apart)
    reached_orders as (  -- noqa: ST03
        select order_id from all_orders
        where _ingested_at > {{ since['orders._ingested_at'] }}
        union
        select all_orders.order_id from all_orders
        left semi join customers_since on all_orders.customer_id = customers_since.customer_id
        union
        select all_orders.order_id from all_orders
        left semi join products_since on all_orders.product_id = products_since.product_id
        union
        select order_id from shipping
        where _ingested_at > {{ since['shipping._ingested_at'] }}
    ),
{%- endif %}

orders as (
    select * from all_orders
    {%- if since is not none %}
        left semi join reached_orders on all_orders.order_id = reached_orders.order_id
    {%- endif %}
),

checked as (
    select
        -- the order's columns; _built_at is this model's own (below)
        orders.order_id,
        orders.customer_id,
        orders.product_id,
        orders.currency,
        orders.payment_method,
        orders.order_status,
        orders.shipping_address_sha256,
        orders.order_amount,
        orders.is_valid_amount,
        orders.is_valid_currency,
        orders.is_valid_shipping_address,
        orders.order_date,
        orders.source_created_at,
        orders._ingested_at,
        orders._source_file,
        orders._batch_id,
        customers.customer_id is not null as has_known_customer,
        products.product_id is not null as has_known_product,
        shipping.order_id is not null as has_shipment,
        orders.order_status in ('{{ statuses | join("', '") }}') as is_valid_status,  -- noqa: LT05
        coalesce(products.is_discontinued, false) as is_discontinued_product,
        coalesce(customers.customer_tier in ({{ premium_tiers }}), false) as is_premium_customer,
        coalesce(customers.is_valid_email, false) as is_valid_email,
        coalesce(customers.is_valid_phone, false) as is_valid_phone,
        customers._ingested_at as _customer_ingested_at,
        products._ingested_at as _product_ingested_at,
        shipping._ingested_at as _shipment_ingested_at
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

-- what applies to every order alike: the seed's rules and this model's logic
fingerprint as (
    select {{ rows_fingerprint(logic) }} as _logic_sha256
    from rules
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
        end as validation_severity,
        fingerprint._logic_sha256,
        {{ build_stamp() }} as _built_at
    from checked
    cross join rule_settings
    cross join fingerprint
)

select * from final
