{#- One row per response_id with a satisfaction score (document: dedup on
    response_id, drop responses without satisfaction_score: a drop rule, so
    they are quarantined and counted, _cx__models.yml), its satisfaction
    category (High >= 8, Medium >= 5, Low) and NPS band. Out-of-range scores
    (outside 0-10) are kept and flagged; metrics leave them out. Incremental
    merge on response_id. -#}
{{
    config(
        materialized=incremental_where_supported(),
        unique_key='response_id',
    )
}}

with

source as (
    select * from {{ source('cx', 'surveys') }}
    where {{ ingested_since_last_build() }}
),

latest as (
    {{ deduplicate('source', 'response_id', '_ingested_at desc, _source_file desc') }}
),

bands as (
    select * from {{ ref('cx_score_bands') }}
),

scored as (
    select
        latest.*,
        latest.satisfaction_score between 0 and 10 as is_valid_satisfaction,
        -- a skipped answer (null) is neither valid nor invalid: the question is optional
        latest.nps_score between 0 and 10 as is_valid_nps
    from latest
),

final as (
    select
        -- ids
        scored.response_id,
        scored.customer_id,

        -- attributes
        scored.survey_type,
        scored.channel,
        scored.feedback_text,

        -- scores
        scored.satisfaction_score,
        scored.nps_score,
        scored.is_valid_satisfaction,
        scored.is_valid_nps,
        satisfaction_band.band as satisfaction_category,
        nps_band.band as nps_category,

        -- timestamps
        scored.timestamp as responded_at,
        cast(scored.timestamp as date) as response_date,
        scored._ingested_at,
        scored._source_file,
        {{ build_stamp() }} as _built_at
    from scored
    left join bands as satisfaction_band
        on
            satisfaction_band.score_type = 'satisfaction'
            and scored.satisfaction_score between satisfaction_band.min_score and satisfaction_band.max_score
    left join bands as nps_band
        on
            nps_band.score_type = 'nps'
            and scored.nps_score between nps_band.min_score and nps_band.max_score
)

select * from final
where {{ passes_drop_rules() }}
