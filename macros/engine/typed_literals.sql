{#-
  Values read back from the engine to be written into SQL as constants,
  which Sail needs to skip files and partitions (engine note 25).
-#}

{% macro column_types(columns) -%}
  {#- Each column's declared type, by its name in lower case. -#}
  {%- set types = {} -%}
  {%- for column in columns -%}
    {%- do types.update({column.name | lower: column.data_type}) -%}
  {%- endfor -%}
  {{- return(types) -}}
{%- endmacro %}


{% macro as_text(expression) -%}
  {#-
    The value as text behind a prefix: dbt infers the types of a query's
    results and would read a key such as '0012' as the number 12.
    typed_literal takes it back.
  -#}
  concat('v', cast({{ expression }} as string))
{%- endmacro %}


{% macro typed_literal(text, data_type) -%}
  {#- A constant of `data_type` from a value as_text gave (the engine folds the cast). -#}
  cast({{ spark_string_literal(text[1:]) }} as {{ data_type }})
{%- endmacro %}
