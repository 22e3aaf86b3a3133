{#- Executive KPIs, one row per day: sessions, watch hours, data delivered,
    error rate, start-up time (average and p95 of the day, and p95 of the
    whole period), and the day's engagement from the metrics feed. -#}
with

sessions as (
    select * from {{ ref('fct_media__delivery_sessions') }}
),

metrics as (
    select * from {{ ref('stg_media__metrics') }}
),

delivery_kpis as (
    select
        event_date as kpi_date,
        count(*) as sessions,
        count(distinct asset_id) as assets_streamed,
        cast(sum(watch_seconds) as double) / 3600 as watch_hours,
        cast(sum(bytes_delivered) as double) / 1e9 as gigabytes_delivered,
        cast(avg(case when is_error then 1 else 0 end) as double) as error_rate,
        cast(avg(startup_time_ms) as double) as avg_startup_time_ms,
        percentile(startup_time_ms, 0.95) as p95_startup_time_ms
    from sessions
    group by event_date
),

-- a percentile of all sessions: daily p95s cannot be averaged into one
period_kpis as (
    select percentile(startup_time_ms, 0.95) as period_p95_startup_time_ms
    from sessions
),

engagement_kpis as (
    select
        metric_date as kpi_date,
        sum(view_count) as view_count,
        sum(like_count + share_count + comment_count) as interactions
    from metrics
    group by metric_date
),

final as (
    select
        delivery_kpis.*,
        coalesce(engagement_kpis.view_count, 0) as view_count,
        coalesce(engagement_kpis.interactions, 0) as engagement_interactions,
        period_kpis.period_p95_startup_time_ms
    from delivery_kpis
    left join engagement_kpis on delivery_kpis.kpi_date = engagement_kpis.kpi_date
    cross join period_kpis
)

select * from final
