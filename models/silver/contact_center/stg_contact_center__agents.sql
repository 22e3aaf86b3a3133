{#- One row per agent, the latest delivered version. A missing name becomes
    'Unknown' (document rule: an agent always belongs to a team, a name may
    be absent). -#}
with

source as (
    select * from {{ source('contact_center', 'agents') }}
),

latest as (
    {{ deduplicate('source', 'agent_id', '_ingested_at desc, _source_file desc') }}
),

final as (
    select
        -- ids
        agent_id,

        -- attributes
        coalesce(nullif(trim(name), ''), 'Unknown') as agent_name,
        team,

        -- dates and timestamps
        hire_date,
        _ingested_at,
        _source_file
    from latest
)

select * from final
