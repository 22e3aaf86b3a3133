{#-
  Engine note 22: dbt-spark's `get_columns_in_relation` macro answers with
  the raw rows of DESCRIBE EXTENDED, which have no `name`. Snapshots with
  `hard_deletes: new_record` read names from it to carry a deleted row's
  values: every value came out null. Both adapters answer with dbt's Column
  objects here (dbt-sail has a macro of its own, so both names are defined).
-#}

{% macro spark__get_columns_in_relation(relation) -%}
  {{ return(adapter.get_columns_in_relation(relation)) }}
{%- endmacro %}


{% macro sail__get_columns_in_relation(relation) -%}
  {{ return(spark__get_columns_in_relation(relation)) }}
{%- endmacro %}
