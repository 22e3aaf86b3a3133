{#- Satisfaction and Net Promoter Score by response channel and customer
    segment. Every response counts; each average is over its own score's
    valid values (an out-of-range satisfaction does not drop the response's
    NPS), so the figures add up to rpt_cx__survey_metrics. -#}
with

features as (
    select * from {{ ref('int_cx__survey_features') }}
),

final as (
    select
        concat(channel, '|', coalesce(customer_segment, 'unknown')) as channel_segment_key,
        channel,
        coalesce(customer_segment, 'unknown') as customer_segment,
        count(*) as response_count,
        count(satisfaction_score) as satisfaction_responses,
        count(nps_category) as nps_responses,
        cast(avg(satisfaction_score) as double) as avg_satisfaction,
        {{ net_promoter_score('nps_category') }} as net_promoter_score
    from features
    group by channel, coalesce(customer_segment, 'unknown')
)

select * from final
