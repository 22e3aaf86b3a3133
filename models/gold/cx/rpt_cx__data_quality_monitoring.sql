{#- The document's data-quality monitoring, per layer: record counts, null
    rates of the critical columns and out-of-range scores for bronze and
    silver surveys, and the gold metrics' coverage of silver. -#}
with

bronze as (
    select * from {{ ref('int_cx__bronze_survey_quality') }}
),

silver_surveys as (
    select * from {{ ref('stg_cx__surveys') }}
),

gold_metrics as (
    select * from {{ ref('rpt_cx__survey_metrics') }}
),

silver as (
    select
        'silver' as layer,
        count(*) as record_count,
        cast(avg(case when customer_id is null then 1 else 0 end) as double) as null_rate_customer_id,
        cast(avg(case when satisfaction_score is null then 1 else 0 end) as double) as null_rate_satisfaction,
        cast(avg(case when nps_score is null then 1 else 0 end) as double) as null_rate_nps,
        count(case when not is_valid_satisfaction then 1 end) as invalid_satisfaction,
        count(case when not is_valid_nps then 1 end) as invalid_nps,
        max(_ingested_at) as last_loaded_at
    from silver_surveys
),

gold as (
    select
        'gold' as layer,
        sum(response_count) as record_count,
        cast(0 as double) as null_rate_customer_id,
        cast(avg(case when avg_satisfaction is null then 1 else 0 end) as double) as null_rate_satisfaction,
        cast(avg(case when avg_nps is null then 1 else 0 end) as double) as null_rate_nps,
        cast(0 as bigint) as invalid_satisfaction,
        cast(0 as bigint) as invalid_nps,
        cast(null as timestamp) as last_loaded_at
    from gold_metrics
),

final as (
    select * from bronze
    union all
    select * from silver
    union all
    select * from gold
)

select * from final
