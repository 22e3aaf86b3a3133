-- The channel x segment table and the survey-type metrics cut the same
-- responses two ways: responses, the valid answers behind each average, the
-- satisfaction total and the promoters-minus-detractors balance must agree.
{%- set totals -%}
    sum(response_count) as responses,
    sum(satisfaction_responses) as satisfaction_responses,
    sum(nps_responses) as nps_responses,
    sum(avg_satisfaction * satisfaction_responses) as satisfaction_total,
    sum(net_promoter_score * nps_responses / 100) as net_promoters
{%- endset %}

with

by_survey_type as (
    select
        {{ totals }}
    from {{ ref('rpt_cx__survey_metrics') }}
),

by_channel_segment as (
    select
        {{ totals }}
    from {{ ref('rpt_cx__channel_segment_aggregations') }}
),

final as (
    select
        by_survey_type.responses,
        by_channel_segment.responses as channel_segment_responses,
        by_survey_type.satisfaction_total,
        by_channel_segment.satisfaction_total as channel_segment_satisfaction_total,
        by_survey_type.net_promoters,
        by_channel_segment.net_promoters as channel_segment_net_promoters
    from by_survey_type
    cross join by_channel_segment
    where
        by_survey_type.responses != by_channel_segment.responses
        or by_survey_type.satisfaction_responses != by_channel_segment.satisfaction_responses
        or by_survey_type.nps_responses != by_channel_segment.nps_responses
        or abs(by_survey_type.satisfaction_total - by_channel_segment.satisfaction_total) > 0.001
        or abs(by_survey_type.net_promoters - by_channel_segment.net_promoters) > 0.001
)

select * from final
