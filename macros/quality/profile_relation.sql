{#- One row of data-quality figures for a relation: rows, duplicate and null
    keys, nulls across critical columns and completeness (share of non-null
    critical values). Domains union one row per table into their reports. -#}
{% macro profile_relation(relation, label, key_column, critical_columns) -%}
    select
        '{{ label }}' as bronze_table,
        count(*) as total_rows,
        count(*) - count(distinct {{ key_column }}) as duplicate_key_rows,
        count(*) - count({{ key_column }}) as null_key_rows,
        {% for column in critical_columns -%}
            (count(*) - count({{ column }})){{ ' + ' if not loop.last }}
        {%- endfor %} as null_critical_values,
        cast(
            ({% for column in critical_columns %}count({{ column }}){{ ' + ' if not loop.last }}{% endfor %})
            / ({{ critical_columns | length }} * greatest(count(*), 1)) as double
        ) as completeness
    from {{ relation }}
{%- endmacro %}
