{#-
  Engine notes 5, 21, 23: no ALTER TABLE ... ADD COLUMNS. A table whose
  columns change (snapshots whose source gained a column, incremental models
  with on_schema_change) is rewritten with the new column list.
-#}

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
    only in case is the same column (engine note 21). The staging columns of a
    list unique key, dbt_unique_key_<n>, are not the snapshot's: dbt-spark's
    snapshot adds them, dbt's own leaves them out (engine note 23).
  -#}
  {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
  {%- set missing = [] -%}
  {%- for column in columns if column.name | lower not in present
      and not is_unique_key_staging_column(column.name) -%}
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
    Kept columns become nullable: a column the model dropped gets null in new rows (engine note 18).
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
