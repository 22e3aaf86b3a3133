{#- The document's gold.geographic_analytics: sessions, watch time and
    quality per country and region. -#}
with

sessions as (
    select * from {{ ref('fct_media__delivery_sessions') }}
),

final as (
    select
        country,
        max(region) as region,
        count(*) as sessions,
        count(distinct device_id) as unique_devices,
        cast(sum(watch_seconds) as double) / 3600 as watch_hours,
        cast(avg(case when is_error then 1 else 0 end) as double) as error_rate,
        cast(avg(startup_time_ms) as double) as avg_startup_time_ms
    from sessions
    group by country
)

select * from final
