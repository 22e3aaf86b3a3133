{#- One row per interaction_id (document: dedup on interaction_id; id and
    agent are mandatory, so ingest quarantines rows without them), with the
    duration in minutes and the resolution status. Incremental merge on
    interaction_id over newly ingested bronze rows less the lookback window. -#}
{{
    config(
        materialized=incremental_where_supported(),
        unique_key='interaction_id',
    )
}}

with

source as (
    select * from {{ source('contact_center', 'interactions') }}
    where {{ ingested_since_last_build() }}
),

latest as (
    {{ deduplicate('source', 'interaction_id', '_ingested_at desc, _source_file desc') }}
),

final as (
    select
        -- ids
        interaction_id,
        agent_id,
        customer_id,

        -- attributes
        issue_type,
        resolution,
        case when resolution = 'Resolved' then 'Resolved' else 'Not Resolved' end as resolution_status,

        -- measures
        cast(unix_timestamp(end_time) - unix_timestamp(start_time) as double) / 60 as interaction_duration,
        coalesce(end_time >= start_time, false) as is_valid_duration,

        -- timestamps
        start_time,
        end_time,
        cast(start_time as date) as interaction_date,
        _ingested_at,
        _source_file,
        {{ build_stamp() }} as _built_at
    from latest
)

select * from final
