{#- One row per retail customer: the latest delivered version. Email leaves
    bronze only as a hash, the name as "First L.". Incremental merge on
    customer_id: a day delivers the customers that changed and the new ones. -#}
{{
    config(
        materialized=incremental_where_supported(),
        unique_key='customer_id',
    )
}}

with

source as (
    select * from {{ source('retail', 'customers') }}
    where {{ ingested_since_last_build() }}
),

latest as (
    {{ deduplicate('source', 'customer_id', '_ingested_at desc, _source_file desc') }}
),

final as (
    select
        -- ids
        customer_id,

        -- masked personal data
        concat(initcap(trim(first_name)), ' ', upper(substr(trim(last_name), 1, 1)), '.') as customer_display_name,
        sha2(lower(trim(email)), 256) as email_sha256,
        coalesce(regexp_like(lower(trim(email)), '{{ var("email_regex") }}'), false) as is_valid_email,

        -- attributes
        city,
        country,
        age,
        case
            when age is null then 'unknown'
            when age < 25 then '18-24'
            when age < 35 then '25-34'
            when age < 50 then '35-49'
            when age < 65 then '50-64'
            else '65+'
        end as age_band,

        -- dates and timestamps
        registration_date,
        _ingested_at,
        _source_file,
        {{ build_stamp() }} as _built_at
    from latest
)

select * from final
