{#-
  Engine note 35: Delta Lake tables on Apache Spark answer SHOW TABLE EXTENDED
  without their schema, and dbt-spark reads a table's columns for the docs
  catalog from that answer only: `dbt docs generate` listed views alone.
  During docs generation each Delta table without its schema gets it from
  the adapter's column list, in the lines dbt-spark parses. Other commands pay nothing.
-#}

{% macro spark__list_relations_without_caching(relation) %}
  {% call statement('list_relations_without_caching', fetch_result=True) -%}
    show table extended in {{ relation.schema }} like '*'
  {% endcall %}
  {%- set rows = load_result('list_relations_without_caching').table -%}
  {%- if flags.WHICH != 'generate' -%}
    {{ return(rows) }}
  {%- endif -%}
  {%- set described = [] -%}
  {%- for row in rows -%}
    {%- set information = row[3] -%}
    {%- if 'Provider: delta' in information and '\n |-- ' not in information -%}
      {%- set information = information ~ spark_schema_lines(row[0], row[1]) -%}
    {%- endif -%}
    {%- do described.append([row[0], row[1], row[2], information]) -%}
  {%- endfor -%}
  {{ return(described) }}
{% endmacro %}


{% macro spark_schema_lines(schema, table) -%}
  {#- A table's columns as SHOW TABLE EXTENDED prints a schema: ` |-- name: type (nullable = true)`. -#}
  {%- set relation = api.Relation.create(schema=schema, identifier=table, type='table') -%}
  {%- set lines = ['Schema: root'] -%}
  {%- for column in adapter.get_columns_in_relation(relation) -%}
    {%- do lines.append(' |-- ' ~ column.name ~ ': ' ~ column.data_type ~ ' (nullable = true)') -%}
  {%- endfor -%}
  {{- return('\n'.join(lines) ~ '\n') -}}
{%- endmacro %}
