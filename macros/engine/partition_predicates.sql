{% macro partition_predicates(rows, columns, alias=none, max_partitions=100) -%}
  {#-
    Conditions naming the partitions that `rows` fall in, on the partition
    columns (config partition_by) of the model being built, as literals of
    the types `columns` declare. Sail skips the partitions such a condition
    excludes, in a MERGE too, where it skips no file by its statistics
    (engine note 25). Sound only when the partition columns follow from the
    unique key, so that a key's row is always in the partition its new row
    names; a model says so with `meta: {partition_follows_key: true}`, and
    without it gets no condition (a model partitioned by a date, say, would
    otherwise insert a key again whose date moved). A column with more than
    `max_partitions` values among the rows is not limited: the MERGE would
    read most of the table anyway.
  -#}
  {%- if not execute or not (config.get('meta') or {}).get('partition_follows_key') -%}
    {{- return([]) -}}
  {%- endif -%}
  {%- set partition_by = config.get('partition_by') -%}
  {%- set partition_columns = ([partition_by] if partition_by is string else partition_by or []) | select | list -%}
  {%- set types = {} -%}
  {%- for column in columns -%}
    {%- do types.update({column.name | lower: column.data_type}) -%}
  {%- endfor -%}
  {%- set predicates = [] -%}
  {%- for column in partition_columns -%}
    {%- set qualified = (alias ~ '.' if alias else '') ~ column -%}
    {#- text behind a prefix, so that dbt's type inference keeps a value such as '0012' -#}
    {%- set values_sql -%}
      select distinct concat('v', cast({{ column }} as string)) from {{ rows }} limit {{ max_partitions + 1 }}
    {%- endset -%}
    {%- set values = run_query(values_sql).columns[0].values() -%}
    {%- if values | length <= max_partitions -%}
      {%- set conditions = [] -%}
      {%- set literals = [] -%}
      {%- for value in values if value is not none -%}
        {%- do literals.append(typed_literal(value[1:], types[column | lower])) -%}
      {%- endfor -%}
      {%- if literals -%}
        {%- do conditions.append(qualified ~ ' in (' ~ literals | join(', ') ~ ')') -%}
      {%- endif -%}
      {%- if none in values -%}
        {%- do conditions.append(qualified ~ ' is null') -%}
      {%- endif -%}
      {#- no row: no partition to read -#}
      {%- do predicates.append('(' ~ (conditions | join(' or ') or 'false') ~ ')') -%}
    {%- endif -%}
  {%- endfor -%}
  {{- return(predicates) -}}
{%- endmacro %}


{% macro typed_literal(text, data_type) -%}
  {#- A constant of `data_type` from its text form (the engine folds the cast). -#}
  cast({{ spark_string_literal(text) }} as {{ data_type }})
{%- endmacro %}
