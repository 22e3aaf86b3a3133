-- Interactions per agent sum to interactions per team, and both to the fact
-- table; resolved counts agree too.
with

facts as (
    select
        count(*) as interactions,
        sum(is_resolved) as resolved
    from {{ ref('fct_contact_center__interactions') }}
),

agents as (
    select
        sum(total_interactions) as interactions,
        sum(resolved_interactions) as resolved
    from {{ ref('rpt_contact_center__agent_dashboard') }}
),

teams as (
    select
        sum(total_interactions) as interactions,
        sum(resolved_interactions) as resolved
    from {{ ref('rpt_contact_center__team_performance') }}
),

final as (
    select
        facts.interactions as fact_interactions,
        agents.interactions as agent_interactions,
        teams.interactions as team_interactions
    from facts
    cross join agents
    cross join teams
    where
        facts.interactions != agents.interactions
        or facts.interactions != teams.interactions
        or facts.resolved != agents.resolved
        or facts.resolved != teams.resolved
)

select * from final
