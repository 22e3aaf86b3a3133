{#-
  Engine notes 25, 13, 18, 20: the rows a merge, an append or a snapshot
  writes are first staged in a Delta table of the `scratch` schema, with the
  target's columns, each cast to its declared type.
-#}

{% macro sail_stage_merge_source(source, target, target_columns=true) -%}
  {#-
    Sail's MERGE evaluates its source more than once: from dbt's temporary
    view (a bronze scan behind a watermark and a window dedupe) a merge of
    250K new rows into 5M took ~28 s, from a table ~6 s. So the rows to merge
    are first written once to a Delta table in the `scratch` schema, which the
    merge then reads; they stay there until the model's next merge.
  -#}
  {%- set scratch_schema = sail_scratch_schema() -%}
  {%- set staged = api.Relation.create(schema=scratch_schema, identifier=target.identifier ~ '__merge_source', type='table') -%}
  {%- set location = sail_schema_location(scratch_schema) ~ '/' ~ staged.identifier ~ '/' ~ sail_generation() -%}
  {%- set select_sql = select_with_target_columns(source, target) if target_columns else sail_select_declared(source) -%}
  {% do sail_write_table(staged, location, select_sql) %}
  {%- if target_columns -%}
    {% do contract_check_before_write(staged) %}
  {%- endif -%}
  {{- return(staged) -}}
{%- endmacro %}


{% macro sail_select_declared(source) -%}
  {#-
    The source's rows, each column cast to the type the engine declares for
    it: a union of a date and a timestamp is declared one type but carries
    nanosecond timestamps, which Delta refuses (engine note 20).
  -#}
  select
  {%- for column in adapter.get_columns_in_relation(source) %}
    cast(`{{ column.name }}` as {{ column.data_type }}) as `{{ column.name }}`{{ ',' if not loop.last }}
  {%- endfor %}
  from {{ source }}
{%- endmacro %}


{% macro sail_scratch_schema() -%}
  {{- return(generate_schema_name('scratch', none)) -}}
{%- endmacro %}


{% macro create_scratch_schema() -%}
  {#-
    On-run-start hook: the schema of staged merge rows, created once before
    any model runs. Created by each merging model instead, concurrent
    `CREATE SCHEMA IF NOT EXISTS` calls raced in the Hive Metastore: the call
    that lost deleted the folder it had made, under a table another thread
    was creating (engine note 13).
  -#}
  {%- if execute -%}
    {% do adapter.dispatch('create_scratch_schema')() %}
  {%- endif -%}
{%- endmacro %}


{% macro default__create_scratch_schema() -%}
  {#- other engines merge from dbt's temporary view: no scratch schema -#}
{%- endmacro %}


{% macro sail__create_scratch_schema() -%}
  {% do adapter.create_schema(api.Relation.create(schema=sail_scratch_schema())) %}
{%- endmacro %}


{% macro sail__snapshot_merge_sql(target, source, insert_cols) -%}
  {#-
    The snapshot's staging view compares the source with the snapshot's
    current versions; its rows (new versions to insert, current versions to
    close) are staged once. Sail's MERGE reads the whole snapshot even when
    nothing matches, so it runs only when a version must be closed, and then
    for the closing rows alone: new versions are appended (a MERGE that also
    inserts took 0.9 s where closing then appending took 0.6 s, 1.5M versions
    with 14K closed and 88K new). Closing comes first: if the append then
    fails, the next run finds those keys without a current version and
    inserts their new one. With nothing changed, no statement writes.
  -#}
  {%- set staged = sail_stage_merge_source(source, target, target_columns=false) -%}
  {%- set counts_sql -%}
    select
      count_if(dbt_change_type = 'insert'),
      count_if(dbt_change_type in ('update', 'delete'))
    from {{ staged }}
  {%- endset -%}
  {%- set counts = run_query(counts_sql).rows[0] -%}
  {%- if counts[1] > 0 -%}
    {% call statement('close_versions_' ~ target.identifier) %}
      {{ sail_snapshot_close_sql(target, staged) }}
    {% endcall %}
  {%- endif -%}
  {%- if counts[0] > 0 -%}
    {#- a list unique_key's staging columns are not the snapshot's (engine note 23) -#}
    {%- set columns = [] -%}
    {%- for column in insert_cols if not is_unique_key_staging_column(column) -%}
      {%- do columns.append(column) -%}
    {%- endfor -%}
    {%- set append_sql -%}
      insert into {{ target }} ({{ columns | join(', ') }})
      select {{ columns | join(', ') }} from {{ staged }} where dbt_change_type = 'insert'
    {%- endset -%}
    {{- return(append_sql) -}}
  {%- endif -%}
  {%- if counts[1] > 0 -%}
    {{- return("select 'versions closed, none added' as snapshot_merge") -}}
  {%- endif -%}
  {{- return("select 'no version changed' as snapshot_merge") -}}
{%- endmacro %}


{% macro sail_snapshot_close_sql(target, staged) -%}
  {#- dbt-spark's snapshot MERGE without its insert clause -#}
  {%- set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() -%}
  {%- set current_to = config.get('dbt_valid_to_current') -%}
  merge into {{ target }} as dbt_internal_dest
  using (
    select * from {{ staged }} where dbt_change_type in ('update', 'delete')
  ) as dbt_internal_source
  on dbt_internal_source.{{ columns.dbt_scd_id }} = dbt_internal_dest.{{ columns.dbt_scd_id }}
  when matched and (
    dbt_internal_dest.{{ columns.dbt_valid_to }} is null
    {%- if current_to %}
    or dbt_internal_dest.{{ columns.dbt_valid_to }} = {{ current_to }}
    {%- endif %}
  ) then update set {{ columns.dbt_valid_to }} = dbt_internal_source.{{ columns.dbt_valid_to }}
{%- endmacro %}
