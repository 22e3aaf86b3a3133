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
