{#-
  Tests of incremental models check the rows the latest build wrote, not the
  whole history again: row-level tests (each row passes or fails on its own)
  read only rows whose `_built_at` is the newest (this build's stamp when the
  model was built in the same invocation, else the table's newest stamp). Older rows were tested when
  they were written, and a merge that changes a row stamps it anew. `unique`
  reads the rows whose key is among the new rows' keys, old rows included, so
  a new key that repeats an old one fails while the old keys are not grouped
  again. Whole-table tests (row counts, combinations) still read every row. A
  full refresh stamps every row, so it tests everything;
  `--vars '{test_new_rows_only: false}'` does the same without one.
  Snapshots likewise, by `_snapshotted_at`: the versions the latest run
  inserted. A version that run closed is not read again; closing sets only
  its dbt_valid_to (`unique` of a key among current versions still finds a
  version left open, since the new version's key is read).
-#}

{% macro default__get_where_subquery(relation) -%}
  {%- set where = config.get('where', '') -%}
  {%- set new_rows = new_rows_filter(relation) -%}
  {%- set conditions = [where, new_rows] | select | list -%}
  {%- if conditions -%}
    {%- set filtered -%}
      (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
    {%- endset -%}
    {{- return(filtered) -}}
  {%- else -%}
    {{- return(relation) -}}
  {%- endif -%}
{%- endmacro %}


{% macro new_rows_filter(relation) -%}
  {%- if not execute or not var('test_new_rows_only', true) or model.resource_type != 'test' -%}
    {{- return('') -}}
  {%- endif -%}
  {%- set row_level_tests = ['not_null', 'accepted_values', 'relationships', 'accepted_range',
                             'expression_is_true', 'expect_column_values_to_match_regex'] -%}
  {%- set test_name = (model.test_metadata or {}).get('name') -%}
  {%- set tested = graph.nodes.get(model.attached_node or '') -%}
  {#- the column that stamps each row with the run that wrote it -#}
  {%- set stamp = {'incremental': '_built_at', 'snapshot': '_snapshotted_at'}.get(tested.config.materialized) if tested else none -%}
  {%- if not (test_name in row_level_tests + ['unique'] and stamp) -%}
    {{- return('') -}}
  {%- elif tested.unique_id in selected_resources -%}
    {#- built by this invocation: a literal, so Delta's file statistics skip older files -#}
    {%- set latest = stamp ~ ' = ' ~ build_stamp() -%}
  {%- else -%}
    {#- tests run on their own (`dbt test`): the latest build's rows -#}
    {%- set latest = stamp ~ ' = (select max(' ~ stamp ~ ') from ' ~ relation ~ ')' -%}
  {%- endif -%}
  {%- if test_name == 'unique' -%}
    {%- set key = model.test_metadata.kwargs.column_name -%}
    {{- return(key ~ ' in (select ' ~ key ~ ' from ' ~ relation ~ ' where ' ~ latest ~ ')') -}}
  {%- endif -%}
  {{- return(latest) -}}
{%- endmacro %}


{#- The stamp an incremental model writes on every row it inserts or updates:
    the start of the dbt invocation, the same for every model of one build. -#}
{% macro build_stamp() -%}
  {#- (sqlfluff's jinja templater has no run_started_at: it lints a literal) -#}
  {%- set started = run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") if run_started_at is defined
                    else "2000-01-01 00:00:00" -%}
  cast('{{ started }}' as timestamp)
{%- endmacro %}
