{#- The document's aggregations: satisfaction and NPS by response channel and
    customer segment. -#}
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
        cast(avg(satisfaction_score) as double) as avg_satisfaction,
        {{ net_promoter_score('nps_category') }} as nps_score
    from features
    group by channel, coalesce(customer_segment, 'unknown')
)

select * from final
