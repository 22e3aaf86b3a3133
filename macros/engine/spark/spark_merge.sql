{#-
  Merges and appends of incremental models on both engines. dbt-spark merges
  with `update set *` / `insert *` and appends by position: a column the
  model no longer has (on_schema_change: append_new_columns keeps it in the
  table) made the merge fail ("cannot resolve field2 in UPDATE clause") on
  Apache Spark with Delta. The new rows are given the target's columns first,
  null where the model has none, as dbt specifies; and an enforced contract is
  checked on them before they are written (engine note 17).
-#}

{% macro spark__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {%- set aligned = api.Relation.create(identifier=source.identifier ~ '__target_columns', type='view') -%}
  {% call statement('align_merge_source') %}
    create or replace temporary view {{ aligned }} as {{ select_with_target_columns(source, target) }}
  {% endcall %}
  {% do contract_check_before_write(aligned) %}
  {{- return(dbt.spark__get_merge_sql(target, aligned, unique_key, dest_columns, incremental_predicates)) -}}
{%- endmacro %}


{% macro get_insert_into_sql(source_relation, target_relation) -%}
  {#- dbt-spark's append, with a column the model no longer has left null (not dispatched: overridden by name) -#}
  {% do contract_check_before_write(source_relation) %}
  insert into table {{ target_relation }}
  {{ select_with_target_columns(source_relation, target_relation) }}
{%- endmacro %}


{% macro select_with_target_columns(source, target) -%}
  {#-
    The source's rows with the target's columns, in the target's order: a
    column the model no longer has (on_schema_change: append_new_columns keeps
    it in the target) is null for the new rows, as dbt specifies; `merge ...
    insert *` and appends then never miss a column (engine note 18).
    Each column is cast to the type the engine declares for it (engine note 20).
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
