{#- The document's gold metrics: one row per survey type with average
    satisfaction, average 0-10 recommendation answer, the Net Promoter Score (% promoters -
    % detractors), responses and unique customers. Scores outside 0-10 are
    left out of the averages; unique customers is an exact count where the
    document used approx_count_distinct. -#}
with

surveys as (
    select * from {{ ref('stg_cx__surveys') }}
),

final as (
    select
        survey_type,
        cast(avg(case when is_valid_satisfaction then satisfaction_score end) as double) as avg_satisfaction,
        cast(avg(case when is_valid_nps then nps_score end) as double) as avg_nps,
        {{ net_promoter_score('nps_category') }} as net_promoter_score,
        count(*) as response_count,
        count(case when is_valid_satisfaction then 1 end) as satisfaction_responses,
        count(nps_category) as nps_responses,
        count(distinct customer_id) as unique_customers,
        count(case when nps_category = 'Promoter' then 1 end) as promoters,
        count(case when nps_category = 'Passive' then 1 end) as passives,
        count(case when nps_category = 'Detractor' then 1 end) as detractors
    from surveys
    group by survey_type
)

select * from final
