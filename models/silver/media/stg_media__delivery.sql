{#- The document's silver.delivery: one row per delivery session (duplicates
    dropped), with error and bitrate validation and quality measures.
    Incremental merge on delivery_id. A session of an asset, device or
    location that silver does not know is left out and quarantined with its
    drop rule (_media__models.yml, macros/quality/expectations.sql). -#}
{{
    config(
        materialized=incremental_where_supported(),
        unique_key='delivery_id',
    )
}}

-- the drop rules' parents, built before this model:
-- depends_on: {{ ref('stg_media__assets') }}
-- depends_on: {{ ref('stg_media__devices') }}
-- depends_on: {{ ref('stg_media__geo') }}

with

source as (
    select * from {{ source('media', 'delivery') }}
    where {{ ingested_since_last_build() }}
),

latest as (
    {{ deduplicate('source', 'delivery_id', '_ingested_at desc, _source_file desc') }}
),

final as (
    select
        -- ids
        delivery_id,
        asset_id,
        device_id,
        geo_id,

        -- attributes
        lower(cdn) as cdn,
        error_code,
        error_code is not null as is_error,

        -- measures
        bitrate_kbps,
        coalesce(bitrate_kbps > 0, false) as is_valid_bitrate,
        startup_time_ms,
        buffering_ms,
        bytes_delivered,
        watch_seconds,
        cast(buffering_ms as double) / nullif(watch_seconds * 1000, 0) as rebuffering_ratio,

        -- timestamps
        event_time,
        cast(event_time as date) as event_date,
        _ingested_at,
        _source_file,
        {{ build_stamp() }} as _built_at
    from latest
)

select * from final
where {{ passes_drop_rules() }}
