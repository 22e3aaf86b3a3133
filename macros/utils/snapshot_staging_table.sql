{#-
  dbt's snapshot staging compares every source row with the snapshot's
  current versions. A snapshot whose source stamps each row with when it was
  written (meta `source_written_at: <column>`: `_built_at`, the build that
  wrote it, or `_ingested_at`, the delivery it is the latest of) compares
  only the rows stamped after the newest stamp the snapshot holds: every
  older row was compared by the run that took that stamp, and a row's
  checked columns change only with a newer stamp. Overridden by name (dbt's
  macro is not dispatched from here on), for every engine.
-#}
{% macro snapshot_staging_table(strategy, source_sql, target_relation) -%}
  {%- set written_at = (config.get('meta') or {}).get('source_written_at') -%}
  {#- var snapshot_compare_all: compare every source row (after a fix made
      behind dbt's back; a test checks that it finds nothing missed) -#}
  {%- if written_at and not var('snapshot_compare_all', false) -%}
    {%- set source_sql = source_rows_written_since(source_sql, target_relation, written_at, strategy) -%}
  {%- endif -%}
  {{ adapter.dispatch('snapshot_staging_table', 'dbt')(strategy, stamp_snapshot_rows(source_sql), target_relation) }}
{%- endmacro %}


{#-
  dbt's first build of a snapshot, overridden by name like the staging: the
  rows carry the same stamp of the run that wrote them.
-#}
{% macro build_snapshot_table(strategy, sql) -%}
  {{ adapter.dispatch('build_snapshot_table', 'dbt')(strategy, stamp_snapshot_rows(sql)) }}
{%- endmacro %}


{% macro stamp_snapshot_rows(source_sql) -%}
  {#-
    Each version a run inserts carries `_snapshotted_at`, the run's start
    (build_stamp), so that the snapshot's tests read only the versions of its
    latest run (new_rows_filter). It is not a checked column: a check
    strategy lists its columns.
  -#}
  select *, {{ build_stamp() }} as _snapshotted_at
  from (
    {{ source_sql }}
  ) as snapshot_rows
{%- endmacro %}


{% macro source_rows_written_since(source_sql, target_relation, written_at, strategy) -%}
  {#-
    The newest stamp is read first and given as a literal, so that Delta's
    file statistics skip the source's older files. A partial source would
    read as deletions, hence `hard_deletes: ignore` only. A row without a
    stamp is always compared.
  -#}
  {%- if strategy.hard_deletes != 'ignore' -%}
    {% do exceptions.raise_compiler_error(
      "snapshot " ~ model.name ~ ": meta source_written_at needs hard_deletes: ignore "
      ~ "(rows not written since the last run would read as deleted)") %}
  {%- endif -%}
  {%- set target_columns = adapter.get_columns_in_relation(target_relation) | map(attribute='name') | map('lower') | list -%}
  {%- if written_at | lower not in target_columns -%}
    {#- a snapshot taken before its source stamped rows: compare everything once -#}
    {{- return(source_sql) -}}
  {%- endif -%}
  {%- set newest = newest_timestamp(target_relation, written_at) -%}
  {%- if newest is none -%}
    {{- return(source_sql) -}}
  {%- endif -%}
  {%- set filtered -%}
    select * from (
      {{ source_sql }}
    ) as snapshot_source
    where coalesce({{ written_at }} > {{ newest }}, true)
  {%- endset -%}
  {{- return(filtered) -}}
{%- endmacro %}
