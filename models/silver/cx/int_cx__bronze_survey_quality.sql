{#- Data-quality figures of the bronze survey table, the bronze row of the
    document's per-layer monitoring (null rates, invalid scores, row count). -#}
with

surveys as (
    select * from {{ source('cx', 'surveys') }}
),

final as (
    select
        'bronze' as layer,
        count(*) as record_count,
        cast(avg(case when customer_id is null then 1 else 0 end) as double) as null_rate_customer_id,
        cast(avg(case when satisfaction_score is null then 1 else 0 end) as double) as null_rate_satisfaction,
        cast(avg(case when nps_score is null then 1 else 0 end) as double) as null_rate_nps,
        count(case when satisfaction_score not between 0 and 10 then 1 end) as invalid_satisfaction,
        count(case when nps_score not between 0 and 10 then 1 end) as invalid_nps,
        max(_ingested_at) as last_loaded_at,
        -- bronze is where latency is measured from
        cast(0 as double) as processing_latency_minutes
    from surveys
)

select * from final
