{#-
  Back up every table the project builds (models materialized as tables or
  incrementals, snapshots and seeds) before a prod deploy, as the media
  document asks: a Delta DEEP CLONE of each into one schema per backup,
  <catalog>.backup_<yyyymmdd_hhmmss>, table <schema>__<name>. A deep clone
  copies data and metadata, so the backup survives a VACUUM of the source;
  restore with CREATE OR REPLACE TABLE ... DEEP CLONE the other way.
  dbt run-operation backup_tables --target databricks_prod
  dbt run-operation backup_tables --args '{dry_run: true}'   # print, run nothing
-#}
{% macro backup_tables(dry_run=false) %}
  {%- set statements = backup_table_statements() -%}
  {%- if dry_run -%}
    {%- for statement in statements -%}{{ log(statement ~ ';', info=true) }}{%- endfor -%}
  {%- else -%}
    {% do adapter.dispatch('run_backup_statements')(statements) %}
  {%- endif -%}
  {{ log('backup: ' ~ (statements | length - 1) ~ ' table(s)' ~ (' (dry run)' if dry_run else ''), info=true) }}
{% endmacro %}


{% macro backup_table_statements() %}
  {#- the schema first, then one clone per table the project builds -#}
  {%- set stamp = run_started_at.strftime('%Y%m%d_%H%M%S') -%}
  {%- set backup_schema = 'backup_' ~ stamp -%}
  {%- set database = target.catalog if target.catalog is defined else target.database -%}
  {%- set qualified = (database ~ '.' if database else '') ~ backup_schema -%}
  {%- set statements = ['create schema if not exists ' ~ qualified] -%}
  {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
    {%- if node.resource_type in ('model', 'snapshot', 'seed')
          and node.config.enabled
          and node.config.materialized in ('table', 'incremental', 'snapshot', 'seed') -%}
      {%- set source = (node.database ~ '.' if node.database else '') ~ node.schema ~ '.' ~ node.alias -%}
      {%- do statements.append('create or replace table ' ~ qualified ~ '.' ~ node.schema ~ '__' ~ node.alias
                              ~ ' deep clone ' ~ source) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(statements) }}
{% endmacro %}


{% macro default__run_backup_statements(statements) %}
  {{ exceptions.raise_compiler_error(
      "backup_tables makes Delta deep clones, which only the Databricks targets have; "
      ~ "use --args '{dry_run: true}' to see the statements") }}
{% endmacro %}


{% macro databricks__run_backup_statements(statements) %}
  {%- for statement in statements -%}
    {% do run_query(statement) %}
  {%- endfor -%}
{% endmacro %}
