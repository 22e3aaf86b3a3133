{% macro sail__get_columns_in_relation(relation) -%}
  {#-
    dbt's macro answers with the columns of a relation; dbt-spark's (which
    dbt-sail calls) answers with the raw rows of DESCRIBE EXTENDED, which have
    no `name`. Snapshots with `hard_deletes: new_record` read names from it
    to carry a deleted row's values: every value came out null (engine note 22).
  -#}
  {{ return(adapter.get_columns_in_relation(relation)) }}
{%- endmacro %}
