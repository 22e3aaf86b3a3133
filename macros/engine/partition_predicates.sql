{% macro partition_predicates(staged, types, alias, max_partitions=100) -%}
  {#-
    Conditions on `alias`'s partition columns (config partition_by of the
    model being built) naming the partitions the staged rows fall in, as
    literals of the declared `types`. Sail skips the partitions such a
    condition excludes, in a MERGE too, where it skips no file by its
    statistics (engine note 25). Sound only when the partition columns
    follow from the unique key, so that a key's row is always in the
    partition its new row names: the caller asks the model's meta
    (partition_follows_key). A column with more than `max_partitions`
    values among the rows is not limited: the MERGE would read most of the
    table anyway.
  -#}
  {%- set partition_by = config.get('partition_by') -%}
  {%- set partition_columns = ([partition_by] if partition_by is string else partition_by or []) | select | list -%}
  {%- set predicates = [] -%}
  {%- for column in partition_columns -%}
    {%- set values_sql -%}
      select distinct {{ as_text(column) }} from {{ staged }} limit {{ max_partitions + 1 }}
    {%- endset -%}
    {%- set values = run_query(values_sql).columns[0].values() -%}
    {%- if values | length <= max_partitions -%}
      {%- set qualified = alias ~ '.' ~ column -%}
      {%- set conditions = [] -%}
      {%- set literals = [] -%}
      {%- for value in values if value is not none -%}
        {%- do literals.append(typed_literal(value, types[column | lower])) -%}
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
