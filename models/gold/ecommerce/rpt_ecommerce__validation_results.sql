{#- The document's validation_results: one row per validation rule
    (ecommerce_validation_rules) with the records checked, the records failing
    and the severity - the rule's own when any record fails, NONE when none
    does. -#}
with

rules as (
    select * from {{ ref('ecommerce_validation_rules') }}
),

orders as (
    select * from {{ ref('int_ecommerce__orders_validated') }}
),

customers as (
    select * from {{ ref('stg_ecommerce__customers') }}
),

products as (
    select * from {{ ref('stg_ecommerce__products') }}
),

inventory as (
    select * from {{ ref('stg_ecommerce__inventory') }}
),

order_checks as (
    select
        count(*) as n_checked,
        count(case when not has_known_customer then 1 end) as orphaned_customer,
        count(case when not has_known_product then 1 end) as orphaned_product,
        count(case when not is_valid_amount then 1 end) as non_positive_amount,
        count(case when not is_valid_currency then 1 end) as invalid_currency,
        count(case when not is_valid_status then 1 end) as unknown_order_status,
        count(case when is_discontinued_product then 1 end) as discontinued_product_ordered,
        count(case when not has_shipment then 1 end) as missing_shipment
    from orders
),

failures as (
    select
        'orphaned_customer' as rule_id,
        n_checked,
        orphaned_customer as n_failed
    from order_checks
    union all
    select
        'orphaned_product' as rule_id,
        n_checked,
        orphaned_product as n_failed
    from order_checks
    union all
    select
        'non_positive_amount' as rule_id,
        n_checked,
        non_positive_amount as n_failed
    from order_checks
    union all
    select
        'invalid_currency' as rule_id,
        n_checked,
        invalid_currency as n_failed
    from order_checks
    union all
    select
        'unknown_order_status' as rule_id,
        n_checked,
        unknown_order_status as n_failed
    from order_checks
    union all
    select
        'discontinued_product_ordered' as rule_id,
        n_checked,
        discontinued_product_ordered as n_failed
    from order_checks
    union all
    select
        'missing_shipment' as rule_id,
        n_checked,
        missing_shipment as n_failed
    from order_checks
    union all
    select
        'invalid_email' as rule_id,
        count(*) as n_checked,
        count(case when not is_valid_email then 1 end) as n_failed
    from customers
    union all
    select
        'invalid_phone' as rule_id,
        count(*) as n_checked,
        count(case when not is_valid_phone then 1 end) as n_failed
    from customers
    union all
    select
        'non_positive_price' as rule_id,
        count(*) as n_checked,
        count(case when not is_valid_price then 1 end) as n_failed
    from products
    union all
    select
        'stock_status_mismatch' as rule_id,
        count(*) as n_checked,
        count(case when stock_status != expected_stock_status then 1 end) as n_failed
    from inventory
),

final as (
    select
        rules.rule_id,
        rules.checked_table,
        rules.description,
        rules.rule_severity,
        coalesce(failures.n_checked, 0) as records_checked,
        coalesce(failures.n_failed, 0) as records_failed,
        cast(failures.n_failed / nullif(failures.n_checked, 0) as double) as failure_rate,
        case when coalesce(failures.n_failed, 0) > 0 then rules.rule_severity else 'NONE' end as severity
    from rules
    left join failures on rules.rule_id = failures.rule_id
)

select * from final
