{#-
  on-run-end: append every test result of this invocation to
  <audit schema>.test_results_history, so data quality can be followed
  across runs (which test, status, failing rows, when, on which target).
-#}
{% macro record_test_results(results) %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set tests = results | selectattr('node.resource_type', 'equalto', 'test') | list -%}
  {%- if not tests -%}{{ return('') }}{%- endif -%}
  {%- set history = audit_relation('test_results_history') -%}
  {%- do adapter.create_schema(history) -%}
  {%- do run_query(create_test_results_history(history)) -%}
  {%- set rows = [] -%}
  {%- for result in tests -%}
    {%- set node = result.node -%}
    {%- set attached = node.attached_node or (node.depends_on.nodes | first) or '' -%}
    {%- do rows.append("('" ~ invocation_id ~ "', cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S')
        ~ "' as timestamp), '" ~ target.name ~ "', '" ~ node.unique_id ~ "', '" ~ node.name ~ "', '"
        ~ attached ~ "', '" ~ node.config.severity | lower ~ "', '" ~ result.status ~ "', "
        ~ (result.failures if result.failures is not none else 'null') ~ ", "
        ~ (result.execution_time | round(3)) ~ ")") -%}
  {%- endfor -%}
  {%- do run_query('insert into ' ~ history ~ ' values ' ~ rows | join(', ')) -%}
  {{ log('recorded ' ~ tests | length ~ ' test results in ' ~ history, info=true) }}
{% endmacro %}


{% macro audit_relation(identifier) -%}
  {{- return(api.Relation.create(schema=generate_schema_name('audit', none), identifier=identifier)) -}}
{%- endmacro %}


{% macro create_test_results_history(relation) -%}
  create table if not exists {{ relation }} (
    invocation_id string,
    run_started_at timestamp,
    target_name string,
    test_id string,
    test_name string,
    tested_node string,
    severity string,
    status string,
    failures bigint,
    execution_seconds double
  ) using {{ env_var('LAKE_TABLE_FORMAT', 'delta') }}
  {{ append_only_table_location(relation) }}
{%- endmacro %}


{#- Where a table the project only appends to lives: the schema's default
    (an engine may need a fixed folder: macros/engine/). -#}
{% macro append_only_table_location(relation) -%}
  {{- return(adapter.dispatch('append_only_table_location')(relation)) -}}
{%- endmacro %}


{% macro default__append_only_table_location(relation) -%}
{%- endmacro %}


{#-
  on-run-end: how many rows each rule with an action (macros/quality/expectations.sql)
  flagged or dropped in this invocation, appended to <audit schema>.rule_outcomes:
  one row per rule, with the run's day and the action. A warn rule counts the
  rows its test found; a drop rule, the rows its model's post-hook quarantined.
-#}
{% macro record_rule_outcomes(results) %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set rows = [] -%}
  {%- for result in results if result.node.resource_type == 'test'
        and (result.node.config.meta or {}).get('action') in ('warn', 'drop') -%}
    {%- set node = result.node -%}
    {%- set action = node.config.meta.action -%}
    {%- set tested = graph.nodes.get(node.attached_node) -%}
    {%- set count = result.failures if result.failures is not none else 'null' -%}
    {%- if action == 'drop' and tested -%}
      {%- set quarantine = rule_quarantine_relation(tested.schema) -%}
      {%- set count = '(select count(*) from ' ~ quarantine ~ " where model_name = '" ~ tested.name
          ~ "' and quarantined_at = " ~ build_stamp() ~ " and rule_name = '" ~ node.name ~ "')" -%}
    {%- endif -%}
    {#- every column named: an engine names an unnamed literal by its value, and two alike collide -#}
    {%- do rows.append("select '" ~ invocation_id ~ "' as invocation_id, " ~ build_stamp() ~ " as run_started_at, cast("
        ~ build_stamp() ~ " as date) as run_date, '" ~ target.name ~ "' as target_name, '" ~ node.name
        ~ "' as rule_name, '" ~ (tested.name if tested else '') ~ "' as model_name, '" ~ action ~ "' as action, '"
        ~ result.status ~ "' as status, cast(" ~ count ~ " as bigint) as row_count") -%}
  {%- endfor -%}
  {%- if not rows -%}{{ return('') }}{%- endif -%}
  {%- set outcomes = audit_relation('rule_outcomes') -%}
  {%- do adapter.create_schema(outcomes) -%}
  {%- do run_query(create_rule_outcomes(outcomes)) -%}
  {%- do run_query('insert into ' ~ outcomes ~ ' ' ~ rows | join(' union all ')) -%}
  {{ log('recorded ' ~ rows | length ~ ' rule outcomes in ' ~ outcomes, info=true) }}
{% endmacro %}


{% macro create_rule_outcomes(relation) -%}
  create table if not exists {{ relation }} (
    invocation_id string,
    run_started_at timestamp,
    run_date date,
    target_name string,
    rule_name string,
    model_name string,
    action string,
    status string,
    row_count bigint
  ) using {{ env_var('LAKE_TABLE_FORMAT', 'delta') }}
  {{ append_only_table_location(relation) }}
{%- endmacro %}
