{#- Same name and arguments as dbt_utils.accepted_range. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

with
validation as (
    select {{ column_name }} as value_field
    from {{ model }}
),

validation_errors as (
    select *
    from validation
    where
        value_field is not null
        and (
            1 = 2
            {%- if min_value is not none %}
                or not (value_field >{{ '=' if inclusive }} {{ min_value }})
            {%- endif %}
            {%- if max_value is not none %}
                or not (value_field <{{ '=' if inclusive }} {{ max_value }})
            {%- endif %}
        )
)

select * from validation_errors

{% endtest %}
