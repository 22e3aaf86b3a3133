{#- The document's gold.content_performance: one row per asset with views,
    viewers, watch time, engagement and completion from the metrics feed, and
    streaming sessions from delivery. -#}
with

assets as (
    select * from {{ ref('stg_media__assets') }}
),

metrics as (
    select * from {{ ref('stg_media__metrics') }}
),

sessions as (
    select * from {{ ref('fct_media__delivery_sessions') }}
),

engagement as (
    select
        asset_id,
        sum(view_count) as view_count,
        sum(unique_viewers) as unique_viewers,
        sum(watch_time_minutes) as watch_time_minutes,
        sum(like_count) as like_count,
        sum(share_count) as share_count,
        sum(comment_count) as comment_count,
        avg(case when is_valid_completion_rate then completion_rate end) as avg_completion_rate
    from metrics
    group by asset_id
),

streaming as (
    select
        asset_id,
        count(*) as sessions
    from sessions
    group by asset_id
),

final as (
    select
        assets.asset_id,
        assets.title,
        assets.content_type,
        assets.genre,
        assets.provider,
        coalesce(engagement.view_count, 0) as view_count,
        coalesce(engagement.unique_viewers, 0) as unique_viewers,
        cast(coalesce(engagement.watch_time_minutes, 0) as double) as watch_time_minutes,
        coalesce(engagement.like_count, 0) as like_count,
        coalesce(engagement.share_count, 0) as share_count,
        coalesce(engagement.comment_count, 0) as comment_count,
        cast(
            (engagement.like_count + engagement.share_count + engagement.comment_count)
            / nullif(engagement.view_count, 0) as double
        ) as engagement_rate,
        cast(engagement.avg_completion_rate as double) as avg_completion_rate,
        coalesce(streaming.sessions, 0) as sessions
    from assets
    left join engagement on assets.asset_id = engagement.asset_id
    left join streaming on assets.asset_id = streaming.asset_id
)

select * from final
