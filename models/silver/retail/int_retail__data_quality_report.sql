{#- The document's data-quality report (a silver-layer step in the document):
    per bronze table, rows, duplicate and null keys, null critical values and
    completeness, plus rows the ingest job quarantined. One row per table. -#}
with

customers_profile as (
    {{ profile_relation(source('retail', 'customers'), 'customers', 'customer_id', ['email', 'city', 'age']) }}
),

products_profile as (
    {{ profile_relation(source('retail', 'products'), 'products', 'product_id', ['category', 'supplier', 'price']) }}
),

transactions_profile as (
    {{ profile_relation(
        source('retail', 'transactions'), 'transactions', 'transaction_id',
        ['customer_id', 'product_id', 'status', 'total_amount'],
    ) }}
),

quarantine as (
    select * from {{ source('ingest', 'quarantine') }}
    where domain = 'retail'
),

profiles as (
    select * from customers_profile
    union all
    select * from products_profile
    union all
    select * from transactions_profile
),

quarantined as (
    select
        replace(source_name, 'retail_', '') as bronze_table,
        count(*) as quarantined_rows
    from quarantine
    group by source_name
),

final as (
    select
        profiles.*,
        coalesce(quarantined.quarantined_rows, 0) as quarantined_rows
    from profiles
    left join quarantined on profiles.bronze_table = quarantined.bronze_table
)

select * from final
