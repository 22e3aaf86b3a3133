{#- Data-quality monitoring of the surveys, per layer: record counts, null
    rates of the critical columns and out-of-range scores for bronze and
    silver, the gold metrics' coverage of silver, and each layer's
    processing latency: minutes from the newest survey row's landing in
    bronze to the dbt build that brought it into silver, or that last
    rebuilt gold. -#}
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
        max(_ingested_at) as last_loaded_at,
        round(cast(unix_timestamp(max(_built_at)) - unix_timestamp(max(_ingested_at)) as double) / 60, 1)
            as processing_latency_minutes
    from silver_surveys
),

landed as (
    select max(_ingested_at) as newest_ingested_at from silver_surveys
),

gold as (
    select
        'gold' as layer,
        sum(gold_metrics.response_count) as record_count,
        cast(0 as double) as null_rate_customer_id,
        cast(avg(case when gold_metrics.avg_satisfaction is null then 1 else 0 end) as double)
            as null_rate_satisfaction,
        cast(avg(case when gold_metrics.avg_nps is null then 1 else 0 end) as double) as null_rate_nps,
        cast(0 as bigint) as invalid_satisfaction,
        cast(0 as bigint) as invalid_nps,
        cast(null as timestamp) as last_loaded_at,
        round(
            cast(unix_timestamp({{ build_stamp() }}) - unix_timestamp(max(landed.newest_ingested_at)) as double) / 60, 1
        ) as processing_latency_minutes
    from gold_metrics
    cross join landed
),

final as (
    select * from bronze
    union all
    select * from silver
    union all
    select * from gold
)

select * from final
