-- Responses per survey type sum to the silver responses; the daily trend's
-- responses sum to the silver responses that have a day (a response without
-- a timestamp is on no day).
with

metrics as (
    select sum(response_count) as responses from {{ ref('rpt_cx__survey_metrics') }}
),

silver as (
    select
        count(*) as responses,
        count(response_date) as dated_responses
    from {{ ref('stg_cx__surveys') }}
),

trends as (
    select sum(responses) as responses from {{ ref('rpt_cx__daily_trends') }}
),

final as (
    select
        metrics.responses as metric_responses,
        silver.responses as silver_responses,
        trends.responses as trend_responses
    from metrics
    cross join silver
    cross join trends
    where metrics.responses != silver.responses or trends.responses != silver.dated_responses
)

select * from final
