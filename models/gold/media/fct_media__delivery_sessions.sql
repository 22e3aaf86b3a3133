{#- One row per valid delivery session (positive bitrate) with its asset,
    device and location attributes as they were when the session was loaded;
    the fact behind the delivery, device and geographic analytics.
    Incremental: merges only sessions ingested since the newest one it holds,
    less the lookback window. -#}
{{
    config(
        materialized=incremental_where_supported(),
        unique_key='delivery_id',
    )
}}

with

delivery as (
    select * from {{ ref('stg_media__delivery') }}
    where is_valid_bitrate and {{ ingested_since_last_build() }}
),

assets as (
    select * from {{ ref('stg_media__assets') }}
),

devices as (
    select * from {{ ref('stg_media__devices') }}
),

geo as (
    select * from {{ ref('stg_media__geo') }}
),

final as (
    select
        -- ids
        delivery.delivery_id,
        delivery.asset_id,
        delivery.device_id,
        delivery.geo_id,

        -- attributes
        delivery.cdn,
        delivery.is_error,
        delivery.error_code,
        coalesce(assets.content_type, 'unknown') as content_type,
        coalesce(assets.genre, 'unknown') as genre,
        coalesce(devices.device_type, 'unknown') as device_type,
        coalesce(devices.os, 'unknown') as os,
        coalesce(devices.supports_4k, false) as supports_4k,
        coalesce(geo.country, 'Unknown') as country,
        coalesce(geo.region, 'Unknown') as region,

        -- measures
        delivery.bitrate_kbps,
        delivery.startup_time_ms,
        delivery.buffering_ms,
        delivery.bytes_delivered,
        delivery.watch_seconds,
        delivery.rebuffering_ratio,

        -- dates
        delivery.event_time,
        delivery.event_date,
        delivery._ingested_at,
        {{ build_stamp() }} as _built_at
    from delivery
    left join assets on delivery.asset_id = assets.asset_id
    left join devices on delivery.device_id = devices.device_id
    left join geo on delivery.geo_id = geo.geo_id
)

select * from final
