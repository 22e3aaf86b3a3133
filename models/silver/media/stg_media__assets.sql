{#- The document's silver.assets: one row per asset, the latest delivered version. -#}
with

source as (
    select * from {{ source('media', 'assets') }}
),

latest as (
    {{ deduplicate('source', 'asset_id', '_ingested_at desc, _source_file desc') }}
),

final as (
    select
        -- ids
        asset_id,

        -- attributes
        trim(title) as title,
        lower(content_type) as content_type,
        lower(genre) as genre,
        provider,
        maturity_rating,

        -- measures
        duration_seconds,
        cast(duration_seconds as double) / 60 as duration_minutes,

        -- dates and timestamps
        release_date,
        year(release_date) as release_year,
        _ingested_at,
        _source_file
    from latest
)

select * from final
