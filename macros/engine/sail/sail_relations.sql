{#-
  Overrides for the local engine (Sail attached to a Hive Metastore).

  Sail refuses CREATE OR REPLACE on a Hive Metastore catalog, and DROP TABLE
  leaves the Delta files behind, so a CREATE at the same place fails with
  "Delta table already exists". Every table build therefore writes to a fresh
  folder (a "generation") under the lake root and drops the old table first;
  `python -m lakehouse gc` deletes generations no table points to any more.
  See docs/engine-notes.md.
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
  {#- Stands in for CREATE OR REPLACE: drop, then create in a new generation. -#}
  {%- set existing = adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
  {%- if existing is not none -%}
    {% do adapter.drop_relation(existing) %}
  {%- endif -%}
  {#- an enforced contract: dbt's check of names and types before anything is built, as dbt-spark does -#}
  {%- if config.get('contract').enforced -%}
    {{ get_assert_columns_equivalent(compiled_code) }}
    {%- set compiled_code = get_select_subquery(compiled_code) -%}
  {%- endif %}
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
  {#- No CREATE OR REPLACE VIEW and no ALTER VIEW: drop, then create. -#}
  {%- call statement('drop_view_before_create') -%}
    drop view if exists {{ relation }}
  {%- endcall -%}
  {%- if config.get('contract').enforced -%}
    {{ get_assert_columns_equivalent(sql) }}
  {%- endif %}
  create view {{ relation }}
  {{ comment_clause() }}
  as
  {{ sql }}
{%- endmacro %}


{% macro sail_nullable_select(compiled_code) -%}
  {#-
    The query's rows with every column nullable, as Spark builds a table: a
    CTAS records a column that cannot be null (a literal) as NOT NULL, and a
    later merge or append with a null in it fails (engine note 28). Used for
    the first build of incremental models, whose later rows may differ.
  -#}
  {%- set columns = get_column_schema_from_query(compiled_code) -%}
  {%- set nullable_sql -%}
    select
    {%- for column in columns %}
      {{ sail_nullable('`' ~ column.name ~ '`', column.data_type) }} as `{{ column.name }}`{{ ',' if not loop.last }}
    {%- endfor %}
    from ({{ compiled_code }}) as built
  {%- endset -%}
  {{- return(nullable_sql) -}}
{%- endmacro %}


{% macro sail_nullable(expression, data_type) -%}
  {#-
    The same value, in an expression whose Delta column is nullable. The
    engine folds `case when x is null ...` over a literal back to NOT NULL;
    `nullif(x, null)` it does not. Maps cannot be compared, so a type with a
    map goes through a one-element lookup instead.
  -#}
  {%- if 'map<' in data_type | lower -%}
    element_at(array({{ expression }}, null), 1)
  {%- else -%}
    nullif({{ expression }}, null)
  {%- endif -%}
{%- endmacro %}


{% macro sail_write_table(relation, location, select_sql) -%}
  {#- Drop, then create at `location` (a fresh folder: Sail has no CREATE OR REPLACE). -#}
  {% call statement('drop_' ~ relation.identifier) %}drop table if exists {{ relation }}{% endcall %}
  {% call statement('create_' ~ relation.identifier) %}
    create table {{ relation }} using delta location '{{ location }}' as {{ select_sql }}
  {% endcall %}
{%- endmacro %}


{% macro sail_rewrite_table(relation, select_sql) -%}
  {#-
    Replaces a table's contents and schema with `select_sql` (which may read
    the table itself), standing in for ALTER TABLE, which Sail lacks. The rows
    go through a scratch table so the source survives until the copy is made.
  -#}
  {%- set scratch = relation.incorporate(path={"identifier": relation.identifier ~ "__dbt_rewrite"}) -%}
  {%- set base = sail_schema_location(relation.schema) -%}
  {%- set gen = sail_generation() -%}
  {% do sail_write_table(scratch, base ~ '/' ~ scratch.identifier ~ '/' ~ gen, select_sql) %}
  {% do sail_write_table(relation, base ~ '/' ~ relation.identifier ~ '/' ~ gen ~ '_rewritten', 'select * from ' ~ scratch) %}
  {% call statement('rewrite_drop_scratch') %}drop table if exists {{ scratch }}{% endcall %}
{%- endmacro %}


{% macro sail__create_columns(relation, columns) %}
  {#-
    Snapshots call this when the source gained columns: add them as nulls.
    dbt finds them by exact name, but a view's columns come back from the
    metastore in lower case and a table's as created: a column that differs
    only in case is the same column (engine note 31). The staging columns of a
    list unique key, dbt_unique_key_<n>, are not the snapshot's: dbt-spark's
    snapshot adds them, dbt's own leaves them out (engine note 33).
  -#}
  {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
  {%- set missing = [] -%}
  {%- for column in columns if column.name | lower not in present
      and not modules.re.match('dbt_unique_key_[0-9]+$', column.name | lower) -%}
    {%- do missing.append(column) -%}
  {%- endfor -%}
  {%- set columns = missing -%}
  {%- if columns | length > 0 -%}
    {%- set select_sql -%}
      select *,
      {%- for column in columns %}
        cast(null as {{ column.data_type }}) as `{{ column.name }}`{{ ',' if not loop.last }}
      {%- endfor %}
      from {{ relation }}
    {%- endset -%}
    {% do sail_rewrite_table(relation, select_sql) %}
  {%- endif -%}
{% endmacro %}


{% macro sail__alter_relation_add_remove_columns(relation, add_columns, remove_columns) %}
  {#-
    Incremental models with on_schema_change: append_new_columns / sync_all_columns.
    Kept columns become nullable: a column the model dropped gets null in new rows (engine note 28).
  -#}
  {%- set add_columns = add_columns or [] -%}
  {%- set removed = (remove_columns or []) | map(attribute='name') | map('lower') | list -%}
  {%- set kept = adapter.get_columns_in_relation(relation) -%}
  {%- set select_sql -%}
    select
    {%- for column in kept if column.name | lower not in removed %}
      {{ sail_nullable('`' ~ column.name ~ '`', column.data_type) }} as `{{ column.name }}`{{ ',' if not loop.last or add_columns }}
    {%- endfor %}
    {%- for column in add_columns %}
      cast(null as {{ column.data_type }}) as `{{ column.name }}`{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ relation }}
  {%- endset -%}
  {% do sail_rewrite_table(relation, select_sql) %}
{% endmacro %}


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
  {%- set select_sql = sail_select_target_columns(source, target) if target_columns else sail_select_declared(source) -%}
  {% do sail_write_table(staged, location, select_sql) %}
  {%- if target_columns -%}
    {% do contract_check_before_write(staged) %}
  {%- endif -%}
  {{- return(staged) -}}
{%- endmacro %}


{% macro sail_select_target_columns(source, target) -%}
  {#-
    The source's rows with the target's columns, in the target's order: a
    column the model no longer has (on_schema_change: append_new_columns keeps
    it in the target) is null for the new rows, as dbt specifies; `merge ...
    insert *` and the append below then never miss a column (engine note 28).
    Each column is cast to the type the engine declares for it (engine note 30).
  -#}
  {%- set declared = {} -%}
  {%- for column in adapter.get_columns_in_relation(source) -%}
    {%- do declared.update({column.name | lower: column.data_type}) -%}
  {%- endfor -%}
  select
  {%- for column in adapter.get_columns_in_relation(target) %}
    cast({{ '`' ~ column.name ~ '`' if column.name | lower in declared else 'null' }} as {{ declared.get(column.name | lower, column.data_type) }}) as `{{ column.name }}`{{ ',' if not loop.last }}
  {%- endfor %}
  from {{ source }}
{%- endmacro %}


{% macro sail_select_declared(source) -%}
  {#-
    The source's rows, each column cast to the type the engine declares for
    it: a union of a date and a timestamp is declared one type but carries
    nanosecond timestamps, which Delta refuses (engine note 30).
  -#}
  select
  {%- for column in adapter.get_columns_in_relation(source) %}
    cast(`{{ column.name }}` as {{ column.data_type }}) as `{{ column.name }}`{{ ',' if not loop.last }}
  {%- endfor %}
  from {{ source }}
{%- endmacro %}


{% macro get_insert_into_sql(source_relation, target_relation) -%}
  {#- dbt-spark's append, with a column the model no longer has left null (not dispatched: overridden by name) -#}
  {% do contract_check_before_write(source_relation) %}
  insert into table {{ target_relation }}
  {{ sail_select_target_columns(source_relation, target_relation) }}
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
    was creating (engine note 22).
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


{% macro sail__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {#-
    Sail's MERGE costs about as much as building the target anew (at scale
    100 a day-2 merge took as long as the day-1 create). When none of the new
    rows' keys is in the target (the usual day: new orders, new sessions), a
    merge is an insert, so it runs as one: a plain append, whose cost grows
    with the new rows only. Knowing costs a read of the target's keys in the
    new keys' range (sail_count_existing_keys).
  -#}
  {%- set staged = sail_stage_merge_source(source, target) -%}
  {#- an empty key (unique_key: '' or []) merges on nothing: every row is new -#}
  {%- set keys = ([unique_key] if unique_key is string else unique_key or []) | select | list -%}
  {%- if not keys or incremental_predicates -%}
    {{- return(spark__get_merge_sql(target, staged, unique_key, dest_columns, incremental_predicates)) -}}
  {%- endif -%}
  {%- set staged_columns = adapter.get_columns_in_relation(staged) -%}
  {%- if sail_count_existing_keys(staged, staged_columns, target, keys) > 0 -%}
    {{- return(spark__get_merge_sql(target, staged, unique_key, dest_columns, incremental_predicates)) -}}
  {%- endif -%}
  {#- the staged rows already have the target's columns, in its order -#}
  {%- set append_sql -%}
    insert into {{ target }} select * from {{ staged }}
  {%- endset -%}
  {{- return(append_sql) -}}
{%- endmacro %}


{% macro sail_count_existing_keys(staged, staged_columns, target, keys) -%}
  {#-
    How many staged rows have a key the target already holds. The target is
    read between the new keys' lowest and highest values, as literals, so
    Delta's file statistics skip the files of older keys (keys that grow, as
    ids do): at scale 100 the check then reads the files of the new day only.
    The bounds come back as text behind a prefix, so that dbt's type
    inference cannot turn a key such as '0012' into the number 12.
  -#}
  {%- set types = {} -%}
  {%- for column in staged_columns -%}
    {%- do types.update({column.name | lower: column.data_type}) -%}
  {%- endfor -%}
  {%- set bounds_sql -%}
    select
    {%- for key in keys %}
      concat('v', cast(min({{ key }}) as string)), concat('v', cast(max({{ key }}) as string)){{ ',' if not loop.last }}
    {%- endfor %}
    from {{ staged }}
  {%- endset -%}
  {%- set bounds = run_query(bounds_sql).rows[0] -%}
  {%- if bounds | select('none') | list -%}
    {{- return(0) -}}  {#- a key column null in every row: nothing can match -#}
  {%- endif -%}
  {%- set matched_sql -%}
    select count(*) from {{ staged }} as new_rows
    inner join (
      select {{ keys | join(', ') }} from {{ target }}
      where
      {%- for key in keys %}
        {{ key }} between {{ sail_typed_literal(bounds[2 * loop.index0][1:], types[key | lower]) }}
        and {{ sail_typed_literal(bounds[2 * loop.index0 + 1][1:], types[key | lower]) }}{{ ' and' if not loop.last }}
      {%- endfor %}
    ) as existing
      on {% for key in keys %}new_rows.{{ key }} = existing.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
  {%- endset -%}
  {{- return(run_query(matched_sql).columns[0].values()[0]) -}}
{%- endmacro %}


{% macro sail_typed_literal(text, data_type) -%}
  {#- A constant of `data_type` from its text form (the engine folds the cast). -#}
  cast({{ sail_string_literal(text) }} as {{ data_type }})
{%- endmacro %}


{% macro sail__snapshot_merge_sql(target, source, insert_cols) -%}
  {#- The snapshot's staging view compares the source with the whole snapshot. -#}
  {%- set staged = sail_stage_merge_source(source, target, target_columns=false) -%}
  {{- return(spark__snapshot_merge_sql(target, staged, insert_cols)) -}}
{%- endmacro %}
