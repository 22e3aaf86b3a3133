{#- The document's validation_results: one row per validation rule
    (ecommerce_validation_rules) with the records checked, the records failing
    and the severity - the rule's own when any record fails, NONE when none
    does. Each rule's check comes from the ecommerce_validation_checks macro
    and runs on the model of the table the seed names. -#}
{%- set checks = ecommerce_validation_checks() %}
{%- set relations = {
    'orders': 'orders',
    'customers': 'customers',
    'products': 'products',
    'inventory': 'inventory',
    'shipping': 'shipments',
} %}

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

shipping as (
    select * from {{ ref('stg_ecommerce__shipping') }}
),

shipments as (
    select
        shipping.*,
        orders.order_id is not null as has_known_order
    from shipping
    left join orders on shipping.order_id = orders.order_id
),

-- one pass over each checked table: an array of one count per rule (a union
-- of a query per rule read the table, and the shipments' join, per rule)
{%- for table, relation in relations.items() %}

    {{ table }}_counts as (
        select
            array(
                {%- for rule_id, failed in checks[table].items() %}
                    named_struct(
                        'rule_id', '{{ rule_id }}',
                        'n_checked', count(*),
                        'n_failed', count(case when {{ failed }} then 1 end)
                    ){{ ',' if not loop.last }}
                {%- endfor %}
            ) as rule_counts
        from {{ relation }}
    ),
{%- endfor %}

rule_counts as (
    {%- for table in relations %}
        select explode(rule_counts) as rule_count
        from {{ table }}_counts
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

failures as (
    select
        rule_count.rule_id,
        rule_count.n_checked,
        rule_count.n_failed
    from rule_counts
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
