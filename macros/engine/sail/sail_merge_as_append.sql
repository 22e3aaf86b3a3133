{#-
  Engine note 25, performance choices, not workarounds: a merge whose new
  keys are all absent from the target runs as an append (off with
  `--vars '{sail_merge_as_append: false}'`: every merge is then a MERGE),
  and a merge into a partitioned model reads only the partitions its new
  rows fall in.
-#}

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
  {%- set staged_columns = adapter.get_columns_in_relation(staged) -%}
  {%- set predicates = (incremental_predicates or []) + sail_merge_partition_predicates(staged, staged_columns) -%}
  {#- an empty key (unique_key: '' or []) merges on nothing: every row is new -#}
  {%- set keys = ([unique_key] if unique_key is string else unique_key or []) | select | list -%}
  {%- if not keys or incremental_predicates or not var('sail_merge_as_append', true) -%}
    {{- return(dbt.spark__get_merge_sql(target, staged, unique_key, dest_columns, predicates)) -}}
  {%- endif -%}
  {%- if sail_count_existing_keys(staged, staged_columns, target, keys) > 0 -%}
    {{- return(dbt.spark__get_merge_sql(target, staged, unique_key, dest_columns, predicates)) -}}
  {%- endif -%}
  {#- the staged rows already have the target's columns, in its order -#}
  {%- set append_sql -%}
    insert into {{ target }} select * from {{ staged }}
  {%- endset -%}
  {{- return(append_sql) -}}
{%- endmacro %}


{% macro sail_merge_partition_predicates(staged, staged_columns) -%}
  {#-
    Sail's MERGE reads every file of its target, whatever its condition says
    of the target's columns, except for partitions: a condition on partition
    columns skips the others (50K rows into 5M in 50 partitions: 1.4 s to
    0.3 s). So a merge into a model with `partition_by` is limited to the
    partitions of the staged rows, named as literals. Sound only when a
    model's partition columns follow from its unique key, so that a key's
    row is always in the partition its new row names; each such model says
    so, and its unique test would catch a key found twice. Past
    `max_partitions` values a column is not limited (the MERGE would read
    most of the table anyway).
  -#}
  {%- set partition_by = config.get('partition_by') -%}
  {%- set columns = ([partition_by] if partition_by is string else partition_by or []) | select | list -%}
  {%- if not columns -%}
    {{- return([]) -}}
  {%- endif -%}
  {%- set max_partitions = 100 -%}
  {%- set types = {} -%}
  {%- for column in staged_columns -%}
    {%- do types.update({column.name | lower: column.data_type}) -%}
  {%- endfor -%}
  {%- set predicates = [] -%}
  {%- for column in columns -%}
    {#- text behind a prefix, so that dbt's type inference keeps a value such as '0012' -#}
    {%- set values_sql -%}
      select distinct concat('v', cast({{ column }} as string)) from {{ staged }} limit {{ max_partitions + 1 }}
    {%- endset -%}
    {%- set values = run_query(values_sql).columns[0].values() -%}
    {%- if values | length <= max_partitions -%}
      {%- set literals = [] -%}
      {%- for value in values if value is not none -%}
        {%- do literals.append(sail_typed_literal(value[1:], types[column | lower])) -%}
      {%- endfor -%}
      {%- set conditions = [] -%}
      {%- if literals -%}
        {%- do conditions.append('DBT_INTERNAL_DEST.' ~ column ~ ' in (' ~ literals | join(', ') ~ ')') -%}
      {%- endif -%}
      {%- if none in values -%}
        {%- do conditions.append('DBT_INTERNAL_DEST.' ~ column ~ ' is null') -%}
      {%- endif -%}
      {#- no staged row: no partition to read -#}
      {%- do predicates.append('(' ~ (conditions | join(' or ') or 'false') ~ ')') -%}
    {%- endif -%}
  {%- endfor -%}
  {{- return(predicates) -}}
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
  cast({{ spark_string_literal(text) }} as {{ data_type }})
{%- endmacro %}
