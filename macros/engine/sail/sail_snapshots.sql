{% macro get_dbt_valid_to_current(strategy, columns) -%}
  {#-
    dbt's expression for a current row's dbt_valid_to (not dispatched:
    overridden by name, for every engine). The configured
    `dbt_valid_to_current` is cast to a timestamp: on Sail a date coalesced
    with a timestamp comes out in nanoseconds, which Delta refuses, and a
    date after 2262 overflows (engine note 24). Spark's coalesce gives the
    timestamp too.
  -#}
  {%- set dbt_valid_to_current = config.get('dbt_valid_to_current') -%}
  {%- if dbt_valid_to_current -%}
    coalesce(nullif({{ strategy.updated_at }}, {{ strategy.updated_at }}), cast({{ dbt_valid_to_current }} as timestamp))
  {%- else -%}
    coalesce(nullif({{ strategy.updated_at }}, {{ strategy.updated_at }}), null)
  {%- endif %}
  as {{ columns.dbt_valid_to }}
{% endmacro %}
