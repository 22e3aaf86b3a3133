{#-
  Engine note 18: a CTAS records a column the engine can prove non-null as
  NOT NULL in the Delta log; Spark makes every CTAS column nullable.
-#}

{% macro sail_nullable_select(compiled_code) -%}
  {#-
    The query's rows with every column nullable, as Spark builds a table: a
    CTAS records a column that cannot be null (a literal) as NOT NULL, and a
    later merge or append with a null in it fails (engine note 18). Used for
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
