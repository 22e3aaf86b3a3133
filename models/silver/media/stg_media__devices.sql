{#- The document's silver.devices: one row per device, standardized. -#}
with

source as (
    select * from {{ source('media', 'devices') }}
),

latest as (
    {{ deduplicate('source', 'device_id', '_ingested_at desc, _source_file desc') }}
),

final as (
    select
        device_id,
        lower(device_type) as device_type,
        os,
        os_version,
        manufacturer,
        coalesce(supports_4k, false) as supports_4k,
        _ingested_at,
        _source_file
    from latest
)

select * from final
