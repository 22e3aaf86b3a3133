{#- The first row per partition in order_by order, as a query (same name and
    arguments as dbt_utils.deduplicate). Keeps a `_dedupe_rank` column (always 1)
    that the caller's explicit column list leaves out. -#}
{% macro deduplicate(relation, partition_by, order_by) -%}
    select * from (
        select
            *,
            row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as _dedupe_rank
        from {{ relation }}
    ) as ranked
    where _dedupe_rank = 1
{%- endmacro %}
