{#- The document's gold.delivery_quality: CDN and streaming quality per CDN
    and day - sessions, error rate, start-up time (average and p95),
    buffering and bitrate. -#}
with

sessions as (
    select * from {{ ref('fct_media__delivery_sessions') }}
),

final as (
    select
        concat(cdn, '|', cast(event_date as string)) as cdn_day_key,
        cdn,
        event_date,
        count(*) as sessions,
        cast(avg(case when is_error then 1 else 0 end) as double) as error_rate,
        cast(avg(startup_time_ms) as double) as avg_startup_time_ms,
        percentile(startup_time_ms, 0.95) as p95_startup_time_ms,
        cast(avg(buffering_ms) as double) as avg_buffering_ms,
        cast(avg(rebuffering_ratio) as double) as avg_rebuffering_ratio,
        cast(avg(bitrate_kbps) as double) as avg_bitrate_kbps
    from sessions
    group by cdn, event_date
)

select * from final
