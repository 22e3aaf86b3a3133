{#-
  Engine note 35: Delta Lake tables on Apache Spark answer SHOW TABLE EXTENDED
  without their schema, and dbt-spark reads a table's columns for the docs
  catalog from that answer only: `dbt docs generate` listed views alone.
  During docs generation each Delta table without its schema gets it from
  DESCRIBE TABLE, in the lines dbt-spark parses. Other commands pay nothing.
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
  {%- set described = run_query('describe table `' ~ schema ~ '`.`' ~ table ~ '`') -%}
  {%- set lines = ['Schema: root'] -%}
  {%- set section = namespace(columns=true) -%}
  {%- for column in described.rows -%}
    {#- the columns come first; a blank or `#` row starts the partitioning and other sections -#}
    {%- if not column[0] or column[0].startswith('#') -%}
      {%- set section.columns = false -%}
    {%- endif -%}
    {%- if section.columns -%}
      {%- do lines.append(' |-- ' ~ column[0] ~ ': ' ~ column[1] ~ ' (nullable = true)') -%}
    {%- endif -%}
  {%- endfor -%}
  {{- return('\n'.join(lines) ~ '\n') -}}
{%- endmacro %}
