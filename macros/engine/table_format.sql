{#-
  What the table format allows. MERGE INTO (incremental `merge` models and
  snapshots) needs Delta; a Spark cluster without the Delta jars writes
  parquet (LAKE_TABLE_FORMAT=parquet). There an incremental model is built as
  a full table instead: the same rows, since its `is_incremental()` filters
  are then off. Snapshots are disabled in dbt_project.yml for the same reason.
-#}
{% macro supports_merge() -%}
  {#- (sqlfluff's jinja templater has no env_var: it lints the delta shape) -#}
  {%- set table_format = env_var('LAKE_TABLE_FORMAT', 'delta') if env_var is defined else 'delta' -%}
  {{- return(table_format in ['delta', 'iceberg', 'hudi']) -}}
{%- endmacro %}


{% macro incremental_where_supported() -%}
  {{- return('incremental' if supports_merge() else 'table') -}}
{%- endmacro %}
