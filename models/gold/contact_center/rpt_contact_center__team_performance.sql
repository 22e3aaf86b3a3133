{#- The document's supervisor dashboard (detailed_reports): per team,
    interactions, average duration, resolved interactions and resolution rate,
    with the team's supervisor. -#}
with

interactions as (
    select * from {{ ref('fct_contact_center__interactions') }}
),

supervisors as (
    select * from {{ ref('stg_contact_center__supervisors') }}
),

per_team as (
    select
        team,
        count(*) as num_interactions,
        cast(avg(valid_duration_minutes) as double) as avg_interaction_duration,
        sum(is_resolved) as resolved_interactions,
        count(*) as total_interactions,
        count(distinct agent_id) as active_agents
    from interactions
    group by team
),

final as (
    select
        per_team.*,
        cast(per_team.resolved_interactions / per_team.total_interactions as double) as resolution_rate,
        supervisors.supervisor_id,
        coalesce(supervisors.supervisor_name, 'Unknown') as supervisor_name,
        supervisors.supervisor_hire_date
    from per_team
    left join supervisors on per_team.team = supervisors.team
)

select * from final
