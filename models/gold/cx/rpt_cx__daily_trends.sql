{#- The document's trends, as a true 7-day window: one row per response date
    with that day's figures and rolling averages over the 7 calendar days
    ending that day. (The document's window counted the 7 preceding rows,
    which spans 7 responses, not 7 days.) -#}
with

surveys as (
    select * from {{ ref('stg_cx__surveys') }}
    -- a response without a timestamp is on no day: it counts in the survey
    -- metrics, not in the trend (a warn rule on stg_cx__surveys flags it)
    where response_date is not null
),

daily as (
    select
        response_date,
        datediff(response_date, date '1970-01-01') as day_number,
        count(*) as responses,
        sum(case when is_valid_satisfaction then satisfaction_score end) as satisfaction_sum,
        count(case when is_valid_satisfaction then 1 end) as satisfaction_count,
        sum(case when is_valid_nps then nps_score end) as nps_sum,
        count(case when is_valid_nps then 1 end) as nps_count
    from surveys
    group by response_date
),

final as (
    select
        response_date,
        responses,
        cast(satisfaction_sum / nullif(satisfaction_count, 0) as double) as avg_satisfaction,
        cast(nps_sum / nullif(nps_count, 0) as double) as avg_nps,
        cast(
            sum(satisfaction_sum) over rolling_week / nullif(sum(satisfaction_count) over rolling_week, 0) as double
        ) as rolling_7d_avg_satisfaction,
        cast(sum(nps_sum) over rolling_week / nullif(sum(nps_count) over rolling_week, 0) as double)
            as rolling_7d_avg_nps,
        sum(responses) over rolling_week as rolling_7d_responses
    from daily
    window rolling_week as (order by day_number range between 6 preceding and current row)
)

select * from final
