{#- One row per feedback form, deduplicated on form_id. Incremental merge on
    form_id. -#}
{{
    config(
        materialized=incremental_where_supported(),
        unique_key='form_id',
    )
}}

with

source as (
    select * from {{ source('cx', 'feedback') }}
    where {{ ingested_since_last_build() }}
),

latest as (
    {{ deduplicate('source', 'form_id', '_ingested_at desc, _source_file desc') }}
),

final as (
    select
        -- ids
        form_id,
        customer_id,

        -- attributes
        category,
        channel,
        comment,
        rating,
        coalesce(rating between 1 and 5, false) as is_valid_rating,

        -- timestamps
        submitted_at,
        _ingested_at,
        _source_file,
        {{ build_stamp() }} as _built_at
    from latest
)

select * from final
