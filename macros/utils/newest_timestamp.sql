{#- The newest value of timestamp columns of a relation, less `minus_minutes`,
    as literal timestamp expressions (microseconds since the epoch: no time
    zone to misread); none for a column no row has a value of. One query for
    all the columns, read at run time; while dbt only parses, placeholders. -#}
{% macro newest_timestamps(relation, columns, minus_minutes=0) -%}
    {%- if not execute -%}
        {{- return(['timestamp_micros(0)'] * (columns | length)) -}}
    {%- endif -%}
    {%- set newest_sql -%}
        select
        {%- for column in columns %} unix_micros(max({{ column }})){{ ',' if not loop.last }}{% endfor %}
        from {{ relation }}
    {%- endset -%}
    {%- set literals = [] -%}
    {%- for newest in run_query(newest_sql).rows[0] -%}
        {%- do literals.append(none if newest is none
            else 'timestamp_micros(' ~ (newest | int - (minus_minutes | int) * 60000000) ~ ')') -%}
    {%- endfor -%}
    {{- return(literals) -}}
{%- endmacro %}


{#- The same for one column. -#}
{% macro newest_timestamp(relation, column, minus_minutes=0) -%}
    {{- return(newest_timestamps(relation, [column], minus_minutes)[0]) -}}
{%- endmacro %}
