{#- The features table: one row per survey response with features for
    analysis (timing, text, the customer's segment and tenure). A score
    outside 0-10 is null here, so every average over this table is taken
    over that score's own valid values, as in rpt_cx__survey_metrics. -#}
with

surveys as (
    select * from {{ ref('stg_cx__surveys') }}
),

customers as (
    select * from {{ ref('stg_cx__customers') }}
),

final as (
    select
        surveys.response_id,
        surveys.customer_id,
        surveys.survey_type,
        surveys.channel,
        case when surveys.is_valid_satisfaction then surveys.satisfaction_score end as satisfaction_score,
        case when surveys.is_valid_nps then surveys.nps_score end as nps_score,
        surveys.satisfaction_category,
        surveys.nps_category,
        hour(surveys.responded_at) as response_hour,
        dayofweek(surveys.responded_at) in (1, 7) as is_weekend,
        length(coalesce(surveys.feedback_text, '')) as feedback_length,
        length(coalesce(surveys.feedback_text, '')) > 0 as has_feedback_text,
        customers.segment as customer_segment,
        customers.region as customer_region,
        datediff(surveys.response_date, customers.signup_date) as customer_tenure_days,
        surveys.response_date
    from surveys
    left join customers on surveys.customer_id = customers.customer_id
)

select * from final
