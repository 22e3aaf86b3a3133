{#-
  Engine notes 2, 3, 4: no CREATE OR REPLACE on a Hive Metastore catalog, and
  DROP TABLE leaves the Delta files behind, so a CREATE at the same place
  fails with "Delta table already exists". Every table build writes to a
  fresh folder (a "generation") under the lake root, with an explicit
  file:// location, and drops the old table first; `python -m lakehouse gc`
  deletes generations no table points to any more.
-#}

{% macro sail_lake_root() -%}
  {%- set root = env_var('LAKE_ROOT', '') -%}
  {%- if not root.startswith('/') -%}
    {{ exceptions.raise_compiler_error(
        "LAKE_ROOT must be set to the lake's absolute path for the local engine. "
        ~ "Run dbt through `python -m lakehouse dbt ...` (or `make dbt ARGS=...`), "
        ~ "or export LAKE_ROOT=$PWD/.lake first.") }}
  {%- endif -%}
  {{- return(root.rstrip('/')) -}}
{%- endmacro %}


{% macro sail_generation() -%}
  {#- Unique per dbt invocation and sortable by time. -#}
  {{- return('g' ~ run_started_at.strftime('%Y%m%dT%H%M%S') ~ '_' ~ invocation_id[:8]) -}}
{%- endmacro %}


{% macro sail_schema_location(schema_name) -%}
  {{- return('file://' ~ sail_lake_root() ~ '/warehouse/' ~ schema_name) -}}
{%- endmacro %}


{% macro sail__location_clause() %}
  {%- set location_root = config.get('location_root', validator=validation.any[basestring]) -%}
  {%- set root = location_root if location_root else sail_schema_location(this.schema) -%}
  location '{{ root }}/{{ this.identifier }}/{{ sail_generation() }}'
{%- endmacro %}


{% macro sail__create_schema(relation) -%}
  {%- call statement('create_schema') -%}
    create schema if not exists {{ relation.without_identifier() }}
    location '{{ sail_schema_location(relation.schema) }}'
  {%- endcall -%}
{% endmacro %}


{% macro sail__create_table_as(temporary, relation, compiled_code, language='sql') -%}
  {%- if temporary or language != 'sql' -%}
    {{ return(spark__create_table_as(temporary, relation, compiled_code, language)) }}
  {%- endif -%}
  {#- An enforced contract: dbt's check of names and types comes first, so a
      model that breaks its contract leaves the table it would replace. -#}
  {%- if config.get('contract').enforced -%}
    {{ get_assert_columns_equivalent(compiled_code) }}
    {%- set compiled_code = get_select_subquery(compiled_code) -%}
  {%- endif %}
  {#- Stands in for CREATE OR REPLACE: drop, then create in a new generation. -#}
  {%- set existing = adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
  {%- if existing is not none -%}
    {% do adapter.drop_relation(existing) %}
  {%- endif -%}
  {%- if config.get('materialized') == 'incremental' -%}
    {%- set compiled_code = sail_nullable_select(compiled_code) -%}
  {%- endif %}
  create table {{ relation }}
  {{ file_format_clause() }}
  {{ options_clause() }}
  {{ tblproperties_clause() }}
  {{ partition_cols(label="partitioned by") }}
  {{ location_clause() }}
  {{ comment_clause() }}
  as
  {{ compiled_code }}
{%- endmacro %}


{% macro sail__create_view_as(relation, sql) -%}
  {#- The contract is checked before the old view is dropped. -#}
  {%- if config.get('contract').enforced -%}
    {{ get_assert_columns_equivalent(sql) }}
  {%- endif %}
  {#- No CREATE OR REPLACE VIEW and no ALTER VIEW: drop, then create. -#}
  {%- call statement('drop_view_before_create') -%}
    drop view if exists {{ relation }}
  {%- endcall -%}
  create view {{ relation }}
  {{ comment_clause() }}
  as
  {{ sql }}
{%- endmacro %}


{% macro sail_write_table(relation, location, select_sql) -%}
  {#- Drop, then create at `location` (a fresh folder: Sail has no CREATE OR REPLACE). -#}
  {% call statement('drop_' ~ relation.identifier) %}drop table if exists {{ relation }}{% endcall %}
  {% call statement('create_' ~ relation.identifier) %}
    create table {{ relation }} using delta location '{{ location }}' as {{ select_sql }}
  {% endcall %}
{%- endmacro %}
