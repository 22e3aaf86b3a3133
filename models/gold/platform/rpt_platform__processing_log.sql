{#- The processing log (the e-commerce document's processing_log, for every
    domain): one row per domain, source and batch with files by state, row
    counts and timing, from the ingest log. -#}
with

files as (
    select * from {{ ref('stg_ingest__file_log') }}
),

final as (
    select
        concat(source_name, '|', batch_id) as source_batch_key,
        domain,
        source_name,
        batch_id,
        count(*) as files,
        count(case when status = 'loaded' then 1 end) as files_loaded,
        count(case when status = 'rejected' then 1 end) as files_rejected,
        count(case when status = 'duplicate' then 1 end) as files_duplicate,
        count(case when status = 'started' then 1 end) as files_interrupted,
        coalesce(sum(rows_read), 0) as rows_read,
        coalesce(sum(rows_loaded), 0) as rows_loaded,
        coalesce(sum(rows_quarantined), 0) as rows_quarantined,
        min(load_started_at) as started_at,
        max(last_logged_at) as finished_at,
        case
            when count(case when status in ('rejected', 'started') then 1 end) > 0 then 'FAILED'
            else 'SUCCESS'
        end as batch_status
    from files
    group by domain, source_name, batch_id
)

select * from final
