{#- The document's enriched_customer_data: every customer of the customer
    database with their survey and feedback activity. -#}
with

customers as (
    select * from {{ ref('stg_cx__customers') }}
),

surveys as (
    select * from {{ ref('stg_cx__surveys') }}
),

feedback as (
    select * from {{ ref('stg_cx__feedback') }}
),

survey_stats as (
    select
        customer_id,
        count(*) as survey_responses,
        avg(case when is_valid_satisfaction then satisfaction_score end) as avg_satisfaction,
        avg(case when is_valid_nps then nps_score end) as avg_nps,
        max(responded_at) as last_response_at
    from surveys
    group by customer_id
),

feedback_stats as (
    select
        customer_id,
        count(*) as feedback_forms,
        avg(case when is_valid_rating then rating end) as avg_feedback_rating
    from feedback
    group by customer_id
),

final as (
    select
        -- the customer's columns, not the incremental build stamp of stg_cx__customers
        customers.customer_id,
        customers.customer_display_name,
        customers.email_sha256,
        customers.phone_sha256,
        customers.segment,
        customers.region,
        customers.lifetime_value,
        customers.signup_date,
        customers.source_updated_at,
        customers._ingested_at,
        customers._source_file,
        coalesce(survey_stats.survey_responses, 0) as survey_responses,
        cast(survey_stats.avg_satisfaction as double) as avg_satisfaction,
        cast(survey_stats.avg_nps as double) as avg_nps,
        survey_stats.last_response_at,
        coalesce(feedback_stats.feedback_forms, 0) as feedback_forms,
        cast(feedback_stats.avg_feedback_rating as double) as avg_feedback_rating
    from customers
    left join survey_stats on customers.customer_id = survey_stats.customer_id
    left join feedback_stats on customers.customer_id = feedback_stats.customer_id
)

select * from final
