{#- Filter of an incremental model's new input: rows ingested at or after the
    newest row the model already holds, less var incremental_lookback_minutes.
    Reads only what is new, so the cost grows with new data, not history.
    `true` on a first build or full refresh. -#}
{% macro ingested_since_last_build(column='_ingested_at') -%}
    {%- if is_incremental() -%}
        {{ column }} >= (
            select
                coalesce(max(already_built.{{ column }}), timestamp '1900-01-01')
                - interval '{{ var("incremental_lookback_minutes") }}' minute
            from {{ this }} as already_built
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
