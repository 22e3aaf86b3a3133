{#- The history table is appended to, never replaced, so one fixed folder
    (quirk 4: an explicit location under the lake root). -#}
{% macro sail__create_test_results_history(relation) -%}
  {{ default__create_test_results_history(relation) }}
  location '{{ sail_schema_location(relation.schema) }}/{{ relation.identifier }}'
{%- endmacro %}
