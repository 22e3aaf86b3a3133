{#- The document's agent dashboard: per agent, interactions, average duration
    (minutes, over interactions whose end is not before their start), resolved
    interactions and resolution rate. -#}
with

interactions as (
    select * from {{ ref('fct_contact_center__interactions') }}
),

final as (
    select
        agent_id,
        max(agent_name) as agent_name,
        max(team) as team,
        count(*) as num_interactions,
        cast(avg(valid_duration_minutes) as double) as avg_interaction_duration,
        sum(is_resolved) as resolved_interactions,
        count(*) as total_interactions,
        cast(sum(is_resolved) / count(*) as double) as resolution_rate
    from interactions
    group by agent_id
)

select * from final
