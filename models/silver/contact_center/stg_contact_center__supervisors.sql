{#- One row per supervisor, the latest delivered version; a missing name
    becomes 'Unknown' (document rule). -#}
with

source as (
    select * from {{ source('contact_center', 'supervisors') }}
),

latest as (
    {{ deduplicate('source', 'supervisor_id', '_ingested_at desc, _source_file desc') }}
),

final as (
    select
        -- ids
        supervisor_id,

        -- attributes
        coalesce(nullif(trim(name), ''), 'Unknown') as supervisor_name,
        team,

        -- dates and timestamps
        hire_date as supervisor_hire_date,
        _ingested_at,
        _source_file
    from latest
)

select * from final
