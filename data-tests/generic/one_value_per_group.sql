{#- The media document's "Multiple dates in batch" check, for any column and
    grouping: every group (e.g. the source file a batch came in) holds one
    distinct value of the column. -#}
{% test one_value_per_group(model, column_name, group_by) %}

select
    {{ group_by }} as batch,
    count(distinct {{ column_name }}) as distinct_values
from {{ model }}
group by {{ group_by }}
having count(distinct {{ column_name }}) > 1

{% endtest %}
