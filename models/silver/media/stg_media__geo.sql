{#- The document's silver.geo: one row per location, normalized. -#}
with

source as (
    select * from {{ source('media', 'geo') }}
),

latest as (
    {{ deduplicate('source', 'geo_id', '_ingested_at desc, _source_file desc') }}
),

final as (
    select
        geo_id,
        upper(country_code) as country_code,
        country,
        region,
        city,
        latitude,
        longitude,
        _ingested_at,
        _source_file
    from latest
)

select * from final
