-- Sessions agree across the fact table and every gold breakdown.
with

facts as (select count(*) as sessions from {{ ref('fct_media__delivery_sessions') }}),

by_day as (select sum(sessions) as sessions from {{ ref('rpt_media__executive_summary') }}),

by_cdn as (select sum(sessions) as sessions from {{ ref('rpt_media__delivery_quality') }}),

by_device as (select sum(sessions) as sessions from {{ ref('rpt_media__device_analytics') }}),

by_country as (select sum(sessions) as sessions from {{ ref('rpt_media__geographic_analytics') }}),

by_asset as (select sum(sessions) as sessions from {{ ref('rpt_media__content_performance') }}),

final as (
    select
        facts.sessions as fact_sessions,
        by_day.sessions as day_sessions,
        by_cdn.sessions as cdn_sessions,
        by_device.sessions as device_sessions,
        by_country.sessions as country_sessions,
        by_asset.sessions as asset_sessions
    from facts
    cross join by_day
    cross join by_cdn
    cross join by_device
    cross join by_country
    cross join by_asset
    where
        facts.sessions != by_day.sessions
        or facts.sessions != by_cdn.sessions
        or facts.sessions != by_device.sessions
        or facts.sessions != by_country.sessions
        or facts.sessions != by_asset.sessions
)

select * from final
