{#- Filter of an incremental model's new input: rows ingested after the newest
    row the model already holds, less var incremental_lookback_minutes. Each
    file gets its own, later stamp (loads run one at a time), so this reads
    exactly the files loaded since; `>=` would re-read the last file built,
    whose keys then all match and turn an append into a full MERGE.
    The newest stamp is read first and given as a literal: Delta's file
    statistics then skip every file loaded before it (a scalar subquery
    would scan them all). `true` on a first build or full refresh. -#}
{% macro ingested_since_last_build(column='_ingested_at') -%}
    {%- if is_incremental() -%}
        {%- set since = newest_timestamp(this, column, var('incremental_lookback_minutes')) -%}
        {%- if since is none -%}
            true
        {%- else -%}
            {{ column }} > {{ since }}
        {%- endif -%}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
