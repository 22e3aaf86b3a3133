{#- The document's silver.metrics: one row per asset and day, validated, with
    an engagement rate. -#}
with

source as (
    select * from {{ source('media', 'metrics') }}
),

latest as (
    {{ deduplicate('source', 'asset_id, metric_date', '_ingested_at desc, _source_file desc') }}
),

final as (
    select
        -- ids
        concat(asset_id, '|', cast(metric_date as string)) as asset_day_id,
        asset_id,
        metric_date,

        -- measures
        views as view_count,
        unique_viewers,
        watch_time_minutes,
        likes as like_count,
        shares as share_count,
        comments as comment_count,
        completion_rate,
        cast((likes + shares + comments) / nullif(views, 0) as double) as engagement_rate,
        coalesce(completion_rate between 0 and 1, false) as is_valid_completion_rate,

        -- timestamps
        _ingested_at,
        _source_file
    from latest
)

select * from final
