-- Responses per survey type sum to the silver responses and to the daily
-- trend responses.
with

metrics as (
    select sum(response_count) as responses from {{ ref('rpt_cx__survey_metrics') }}
),

silver as (
    select count(*) as responses from {{ ref('stg_cx__surveys') }}
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
    where metrics.responses != silver.responses or trends.responses != silver.responses
)

select * from final
