{#-
  Engine note 36: dbt-spark refuses on_schema_change `sync_all_columns` when
  a column was removed ("Delta Lake does not support dropping columns"), and
  Delta Lake drops a column only from a table with column mapping by name.
  The table is switched to column mapping (reader version 2, writer 5: Delta
  readers of 2022 on) before its removed columns are dropped; columns to add
  are added by dbt-spark's macro.
-#}

{% macro spark__alter_relation_add_remove_columns(relation, add_columns, remove_columns) %}
  {%- if remove_columns and relation.is_delta -%}
    {% call statement('enable_column_mapping') %}
      alter table {{ relation }} set tblproperties (
        'delta.columnMapping.mode' = 'name', 'delta.minReaderVersion' = '2', 'delta.minWriterVersion' = '5'
      )
    {% endcall %}
    {% call statement('drop_removed_columns') %}
      alter table {{ relation }} drop columns (
        {%- for column in remove_columns -%}`{{ column.name }}`{{ ', ' if not loop.last }}{%- endfor -%}
      )
    {% endcall %}
    {%- if not add_columns -%}
      {{ return(none) }}
    {%- endif -%}
    {%- set remove_columns = none -%}
  {%- endif -%}
  {% do dbt.spark__alter_relation_add_remove_columns(relation, add_columns, remove_columns) %}
{% endmacro %}
