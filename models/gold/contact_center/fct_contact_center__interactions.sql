{#- One row per interaction with agent, team and supervisor: the document's
    interactions_enriched, as the fact behind both dashboards. -#}
with

interactions as (
    select * from {{ ref('int_contact_center__interactions_enriched') }}
),

final as (
    select
        *,
        case when is_valid_duration then interaction_duration end as valid_duration_minutes,
        case when resolution_status = 'Resolved' then 1 else 0 end as is_resolved
    from interactions
)

select * from final
