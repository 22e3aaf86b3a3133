{#- One row per customer: the latest delivered version, typed and validated.
    Email, phone and street address leave bronze only as hashes. -#}
with

source as (
    select * from {{ source('ecommerce', 'customers') }}
),

latest as (
    {{ deduplicate('source', 'customer_id', '_ingested_at desc, created_timestamp desc, _source_file desc') }}
),

as_of as (
    -- the delivery date of the newest file, so results do not drift with the clock
    select cast(max(created_timestamp) as date) as as_of_date from source
),

final as (
    select
        -- ids
        latest.customer_id,

        -- masked personal data
        concat(
            initcap(trim(latest.first_name)), ' ', upper(substr(trim(latest.last_name), 1, 1)), '.'
        ) as customer_display_name,
        sha2(lower(trim(latest.email)), 256) as email_sha256,
        lower(split_part(trim(latest.email), '@', 2)) as email_domain,
        coalesce(
            regexp_like(lower(trim(latest.email)), '{{ var("email_regex") }}'), false
        ) as is_valid_email,
        sha2(regexp_replace(latest.phone, '[^0-9]', ''), 256) as phone_sha256,
        coalesce(
            length(regexp_replace(latest.phone, '[^0-9]', '')) between 10 and 15, false
        ) as is_valid_phone,
        sha2(lower(trim(latest.address)), 256) as address_sha256,

        -- geography
        latest.city,
        latest.state,
        latest.zip_code,
        latest.country,

        -- segments and lifecycle
        latest.customer_tier,
        cast(floor(datediff(as_of.as_of_date, latest.date_of_birth) / 365.25) as int) as age_years,
        case
            when datediff(as_of.as_of_date, latest.registration_date) <= 90 then 'new'
            when datediff(as_of.as_of_date, cast(latest.last_login as date)) <= 30 then 'active'
            when datediff(as_of.as_of_date, cast(latest.last_login as date)) <= 90 then 'at_risk'
            else 'dormant'
        end as lifecycle_stage,

        -- dates and timestamps
        latest.registration_date,
        latest.last_login as last_login_at,
        latest.created_timestamp as source_created_at,
        latest._ingested_at,
        latest._source_file
    from latest
    cross join as_of
)

select * from final
