{#- The document's data-quality report (a silver-layer step in the document): per bronze table, rows, duplicate
    keys, null critical values and completeness, plus rows the ingest job
    quarantined. One row per table. -#}
{%- set tables = [
    ('customers', 'customer_id', ['email', 'city', 'age']),
    ('products', 'product_id', ['category', 'supplier', 'price']),
    ('transactions', 'transaction_id', ['customer_id', 'product_id', 'status', 'total_amount']),
] -%}

with

quarantine as (
    select * from {{ source('ingest', 'quarantine') }}
    where domain = 'retail'
),

{% for table, key, critical in tables %}
{{ table }}_profile as (
    select
        '{{ table }}' as table_name,
        count(*) as total_rows,
        count(*) - count(distinct {{ key }}) as duplicate_key_rows,
        count(*) - count({{ key }}) as null_key_rows,
        {%- for column in critical %}
            count(*) - count({{ column }}) as null_{{ column }},
        {%- endfor %}
        cast(
            ({% for column in critical %}count({{ column }}){{ ' + ' if not loop.last }}{% endfor %})
            / ({{ critical | length }} * greatest(count(*), 1)) as double
        ) as completeness
    from {{ source('retail', table) }}
),

{{ table }}_summary as (
    select
        table_name,
        total_rows,
        duplicate_key_rows,
        null_key_rows,
        {%- for column in critical %}null_{{ column }}{{ ' + ' if not loop.last }}{% endfor %} as null_critical_values,
        completeness
    from {{ table }}_profile
),
{% endfor %}

profiles as (
    {% for table, key, critical in tables %}
        select * from {{ table }}_summary
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

quarantined as (
    select
        replace(source, 'retail_', '') as table_name,
        count(*) as quarantined_rows
    from quarantine
    group by source
),

final as (
    select
        profiles.*,
        coalesce(quarantined.quarantined_rows, 0) as quarantined_rows
    from profiles
    left join quarantined on profiles.table_name = quarantined.table_name
)

select * from final
