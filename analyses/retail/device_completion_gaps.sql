-- Where do purchases stall? Device and browser combinations ranked by how
-- far their completion rate falls below the overall rate.
with

devices as (
    select * from {{ ref('rpt_retail__device_analytics') }}
),

overall as (
    select sum(completed_transactions) / sum(transaction_count) as completion_rate
    from devices
),

final as (
    select
        devices.device_type,
        devices.browser,
        devices.transaction_count,
        devices.completion_rate,
        devices.completion_rate - overall.completion_rate as gap_to_overall
    from devices
    cross join overall
)

select * from final
order by gap_to_overall asc
