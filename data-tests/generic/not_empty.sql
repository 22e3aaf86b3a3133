{#- The media document's "Empty dataset" check: the model has at least one row. -#}
{% test not_empty(model) %}

with
counted as (select count(*) as n_rows from {{ model }})

select n_rows
from counted
where n_rows = 0

{% endtest %}
