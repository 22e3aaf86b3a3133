{#- The document's gold.device_analytics: usage and quality per device type
    and operating system. -#}
with

sessions as (
    select * from {{ ref('fct_media__delivery_sessions') }}
),

final as (
    select
        concat(device_type, '|', os) as device_os_key,
        device_type,
        os,
        count(*) as sessions,
        count(distinct device_id) as unique_devices,
        cast(sum(watch_seconds) as double) / 3600 as watch_hours,
        cast(avg(case when is_error then 1 else 0 end) as double) as error_rate,
        cast(avg(bitrate_kbps) as double) as avg_bitrate_kbps,
        cast(avg(case when supports_4k then 1 else 0 end) as double) as share_4k_capable
    from sessions
    group by device_type, os
)

select * from final
