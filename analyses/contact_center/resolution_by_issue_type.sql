-- Which issue types are hardest to resolve, and do they take longer?
with

interactions as (
    select * from {{ ref('fct_contact_center__interactions') }}
),

final as (
    select
        issue_type,
        count(*) as interaction_count,
        avg(is_resolved) as resolution_rate,
        avg(valid_duration_minutes) as avg_duration_minutes
    from interactions
    group by issue_type
)

select * from final
order by resolution_rate asc
