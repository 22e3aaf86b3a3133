{#- One row per customer of the customer database, the latest delivered
    version; email and phone as hashes, name as "First L.". Incremental
    merge on customer_id: a day delivers the customers that changed. -#}
{{
    config(
        materialized=incremental_where_supported(),
        unique_key='customer_id',
    )
}}

with

source as (
    select * from {{ source('cx', 'customers') }}
    where {{ ingested_since_last_build() }}
),

latest as (
    {{ deduplicate('source', 'customer_id', '_ingested_at desc, updated_at desc, _source_file desc') }}
),

final as (
    select
        -- ids
        customer_id,

        -- masked personal data
        concat(initcap(trim(first_name)), ' ', upper(substr(trim(last_name), 1, 1)), '.') as customer_display_name,
        sha2(lower(trim(email)), 256) as email_sha256,
        sha2(regexp_replace(phone, '[^0-9]', ''), 256) as phone_sha256,

        -- attributes
        segment,
        region,
        lifetime_value,

        -- dates and timestamps
        signup_date,
        updated_at as source_updated_at,
        _ingested_at,
        _source_file,
        {{ build_stamp() }} as _built_at
    from latest
)

select * from final
