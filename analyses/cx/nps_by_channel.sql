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
        100 * cast(
            count(case when nps_category = 'Promoter' then 1 end)
            - count(case when nps_category = 'Detractor' then 1 end)
        as double) / count(*) as nps_score
    from features
    group by channel
)

select * from final
order by nps_score desc
