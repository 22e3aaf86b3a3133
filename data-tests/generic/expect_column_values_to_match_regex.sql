{#- Same name and main arguments as dbt_expectations.expect_column_values_to_match_regex. -#}
{% test expect_column_values_to_match_regex(model, column_name, regex, row_condition=none) %}

select *
from {{ model }}
where
    {{ column_name }} is not null
    and not regexp_like({{ column_name }}, '{{ regex }}')
    {%- if row_condition %}
        and ({{ row_condition }})
    {%- endif %}

{% endtest %}
