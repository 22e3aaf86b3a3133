-- Which CDN fails most often, and on which days? Days above twice the CDN's
-- average error rate.
with

quality as (
    select * from {{ ref('rpt_media__delivery_quality') }}
),

final as (
    select
        cdn,
        event_date,
        sessions,
        error_rate,
        avg(error_rate) over (partition by cdn) as cdn_avg_error_rate
    from quality
)

select * from final
where error_rate > 2 * cdn_avg_error_rate
order by cdn asc, event_date asc
