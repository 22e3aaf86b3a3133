{#-
  Schemas per environment: the developer lake (`local`) and production use the
  layer names as they are (silver, gold, snapshots, reference); every other
  target prefixes them with its own schema (ci_silver, ...), so a CI build can
  run beside them and defer to them.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}
    {{ target.schema }}
  {%- elif target.name in ('local', 'prod') -%}
    {{ custom_schema_name | trim }}
  {%- else -%}
    {{ target.schema }}_{{ custom_schema_name | trim }}
  {%- endif -%}
{%- endmacro %}
