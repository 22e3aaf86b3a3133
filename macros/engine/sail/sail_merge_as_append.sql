{#-
  Engine note 25, performance choices, not workarounds: a merge whose new
  keys are all absent from the target runs as an append (off with
  `--vars '{sail_merge_as_append: false}'`: every merge is then a MERGE),
  and a merge into a model partitioned by its key reads only the
  partitions its new rows fall in.
-#}

{% macro sail__get_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {#-
    Sail's MERGE costs about as much as building the target anew (at scale
    100 a day-2 merge took as long as the day-1 create). When none of the new
    rows' keys is in the target (the usual day: new orders, new sessions), a
    merge is an insert, so it runs as one: a plain append, whose cost grows
    with the new rows only. Knowing costs a read of the target's keys in the
    new keys' range (sail_count_existing_keys). A MERGE into a model whose
    partitions follow its key names the staged rows' (partition_predicates).
  -#}
  {%- set staged = sail_stage_merge_source(source, target) -%}
  {#- an empty key (unique_key: '' or []) merges on nothing: every row is new -#}
  {%- set keys = ([unique_key] if unique_key is string else unique_key or []) | select | list -%}
  {%- set may_append = keys and not incremental_predicates and var('sail_merge_as_append', true) -%}
  {%- set limit_partitions = (config.get('meta') or {}).get('partition_follows_key', false) -%}
  {%- set types = column_types(adapter.get_columns_in_relation(staged)) if may_append or limit_partitions else {} -%}
  {%- if may_append and sail_count_existing_keys(staged, types, target, keys) == 0 -%}
    {#- the staged rows already have the target's columns, in its order -#}
    {%- set append_sql -%}
      insert into {{ target }} select * from {{ staged }}
    {%- endset -%}
    {{- return(append_sql) -}}
  {%- endif -%}
  {%- set predicates = incremental_predicates or [] -%}
  {%- if limit_partitions -%}
    {%- set predicates = predicates + partition_predicates(staged, types, 'DBT_INTERNAL_DEST') -%}
  {%- endif -%}
  {{- return(dbt.spark__get_merge_sql(target, staged, unique_key, dest_columns, predicates)) -}}
{%- endmacro %}


{% macro sail_count_existing_keys(staged, types, target, keys) -%}
  {#-
    How many staged rows have a key the target already holds. The target is
    read between the new keys' lowest and highest values, as literals of the
    declared `types`, so Delta's file statistics skip the files of older keys
    (keys that grow, as ids do): at scale 100 the check then reads the files
    of the new day only.
  -#}
  {%- set bounds_sql -%}
    select
    {%- for key in keys %}
      {{ as_text('min(' ~ key ~ ')') }}, {{ as_text('max(' ~ key ~ ')') }}{{ ',' if not loop.last }}
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
        {{ key }} between {{ typed_literal(bounds[2 * loop.index0], types[key | lower]) }}
        and {{ typed_literal(bounds[2 * loop.index0 + 1], types[key | lower]) }}{{ ' and' if not loop.last }}
      {%- endfor %}
    ) as existing
      on {% for key in keys %}new_rows.{{ key }} = existing.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
  {%- endset -%}
  {{- return(run_query(matched_sql).columns[0].values()[0]) -}}
{%- endmacro %}
