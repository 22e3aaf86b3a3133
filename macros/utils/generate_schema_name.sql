{#-
  Schemas per environment. A lake or catalog of its own gets the layer names
  as they are (silver, gold, snapshots, reference): the developer's local lake,
  the Spark cluster's lake, and the Databricks qa/uat/prod catalogs. Targets
  that share a lake or catalog with others prefix them with their own schema:
  `prod` on the local engine (prod_silver, ...), `ci` (ci_silver, ...), and
  each developer on Databricks dev. So a CI build runs beside a prod state and
  defers to it.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- set own_lake = target.name in ('local', 'spark')
      or (target.type == 'databricks' and target.name != 'databricks_dev') -%}
  {%- if custom_schema_name is none -%}
    {{ target.schema }}
  {%- elif own_lake -%}
    {{ custom_schema_name | trim }}
  {%- else -%}
    {{ target.schema }}_{{ custom_schema_name | trim }}
  {%- endif -%}
{%- endmacro %}
