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


{#- The newest value of a timestamp column of a relation, less `minus_minutes`,
    as a literal timestamp expression (microseconds since the epoch: no time
    zone to misread); none when no row has one. Read at run time; while dbt
    only parses, a placeholder. -#}
{% macro newest_timestamp(relation, column, minus_minutes=0) -%}
    {%- if not execute -%}
        {{- return('timestamp_micros(0)') -}}
    {%- endif -%}
    {%- set newest_sql -%}
        select unix_micros(max({{ column }})) from {{ relation }}
    {%- endset -%}
    {%- set newest = run_query(newest_sql).columns[0].values()[0] -%}
    {%- if newest is none -%}
        {{- return(none) -}}
    {%- endif -%}
    {{- return('timestamp_micros(' ~ (newest | int - (minus_minutes | int) * 60000000) ~ ')') -}}
{%- endmacro %}
