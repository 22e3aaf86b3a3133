{#- One row per landing file the ingest job tried to load: its latest load
    event in the ingest log (loaded, duplicate, rejected, or started =
    interrupted), with row counts and the time the load began and ended.
    The per-run notices (skipped, waiting, ignored, ...) are not load events. -#}
with

source as (
    select * from {{ source('ingest', 'file_log') }}
    where status in ('started', 'loaded', 'duplicate', 'rejected')
),

started as (
    select
        file_path,
        min(logged_at) as first_started_at
    from source
    where status = 'started'
    group by file_path
),

latest as (
    {{ deduplicate('source', 'file_path', "logged_at desc, case status when 'started' then 1 else 0 end asc") }}
),

final as (
    select
        -- ids
        latest.file_path,
        latest.source_name,
        latest.domain,
        latest.batch_id,
        latest.run_id,

        -- file
        latest.file_name,
        latest.file_sha256,
        latest.file_bytes,

        -- outcome
        latest.status,
        latest.rows_read,
        latest.rows_loaded,
        latest.rows_quarantined,
        latest.message,

        -- timestamps
        started.first_started_at as load_started_at,
        latest.logged_at as last_logged_at
    from latest
    left join started on latest.file_path = started.file_path
)

select * from final
