{#- Filter of an incremental model's new input: rows ingested after the newest
    row the model already holds, less var incremental_lookback_minutes. Each
    file gets its own, later stamp (loads run one at a time), so this reads
    exactly the files loaded since; `>=` would re-read the last file built,
    whose keys then all match and turn an append into a full MERGE.
    `true` on a first build or full refresh. -#}
{% macro ingested_since_last_build(column='_ingested_at') -%}
    {%- if is_incremental() -%}
        {{ column }} > (
            select
                coalesce(max(already_built.{{ column }}), timestamp '1900-01-01')
                - interval '{{ var("incremental_lookback_minutes") }}' minute
            from {{ this }} as already_built
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
