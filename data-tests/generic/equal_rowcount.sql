{#- Same name and arguments as dbt_utils.equal_rowcount. -#}
{% test equal_rowcount(model, compare_model) %}

with
a as (select count(*) as n_rows from {{ model }}),

b as (select count(*) as n_rows from {{ compare_model }})

select
    a.n_rows as model_rows,
    b.n_rows as compare_model_rows
from a
cross join b
where a.n_rows != b.n_rows

{% endtest %}
