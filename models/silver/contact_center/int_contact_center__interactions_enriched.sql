{#- Interactions with their agent and the agent's team supervisor (document:
    left joins, one supervisor per team). Attribution uses the agent's
    current team, as the document's join of interactions to agents does. -#}
with

interactions as (
    select * from {{ ref('stg_contact_center__interactions') }}
),

agents as (
    select * from {{ ref('stg_contact_center__agents') }}
),

supervisors as (
    select * from {{ ref('stg_contact_center__supervisors') }}
),

final as (
    select
        -- ids
        interactions.interaction_id,
        interactions.agent_id,
        interactions.customer_id,
        supervisors.supervisor_id,

        -- attributes
        agents.agent_id is not null as is_known_agent,
        coalesce(agents.agent_name, 'Unknown') as agent_name,
        coalesce(agents.team, 'Unassigned') as team,
        coalesce(supervisors.supervisor_name, 'Unknown') as supervisor_name,
        supervisors.supervisor_hire_date,
        interactions.issue_type,
        interactions.resolution,
        interactions.resolution_status,

        -- measures
        interactions.interaction_duration,
        interactions.is_valid_duration,

        -- timestamps
        interactions.start_time,
        interactions.end_time,
        interactions.interaction_date
    from interactions
    left join agents on interactions.agent_id = agents.agent_id
    left join supervisors on agents.team = supervisors.team
)

select * from final
