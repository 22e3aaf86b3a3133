{#- The agent dashboard: per agent, interactions, average duration
    (minutes, over interactions whose end is not before their start), resolved
    interactions and resolution rate. An agent id missing from the agent list
    gets its own row, flagged by is_known_agent. -#}
with

interactions as (
    select * from {{ ref('fct_contact_center__interactions') }}
),

final as (
    select
        agent_id,
        max(agent_name) as agent_name,
        max(team) as team,
        count(case when not is_known_agent then 1 end) = 0 as is_known_agent,
        count(*) as num_interactions,
        cast(avg(valid_duration_minutes) as double) as avg_interaction_duration,
        sum(is_resolved) as resolved_interactions,
        count(*) as total_interactions,
        cast(sum(is_resolved) / count(*) as double) as resolution_rate
    from interactions
    group by agent_id
)

select * from final
