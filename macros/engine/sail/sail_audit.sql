{#- Tables the project appends to and never replaces (the test-results
    history, the rule outcomes, the rule quarantine) live in one fixed folder
    (quirk 4: an explicit location under the lake root). -#}
{% macro sail__append_only_table_location(relation) -%}
  location '{{ sail_schema_location(relation.schema) }}/{{ relation.identifier }}'
{%- endmacro %}
