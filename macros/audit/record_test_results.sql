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
  {{- return(adapter.dispatch('create_test_results_history')(relation)) -}}
{%- endmacro %}


{% macro default__create_test_results_history(relation) -%}
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
{%- endmacro %}
