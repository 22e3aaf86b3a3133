-- Which channel brings the happiest respondents? NPS and satisfaction per channel.
with

features as (
    select * from {{ ref('int_cx__survey_features') }}
),

final as (
    select
        channel,
        count(*) as response_count,
        avg(satisfaction_score) as avg_satisfaction,
        {{ net_promoter_score('nps_category') }} as nps_score
    from features
    group by channel
)

select * from final
order by nps_score desc
