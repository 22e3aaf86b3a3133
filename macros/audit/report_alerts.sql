{#-
  on-run-end: when this run built the data-quality alerts, print every
  breached rule (the cx document's alert report). A critical breach also
  fails the run, through the error-severity test on the alerts model.
-#}
{% macro report_alerts(results) %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set built = results | selectattr('node.name', 'equalto', 'rpt_platform__data_quality_alerts')
      | selectattr('status', 'equalto', 'success') | list -%}
  {%- if not built -%}{{ return('') }}{%- endif -%}
  {%- set breaches = run_query(
      'select severity, rule_id, subject, metric_value, threshold from ' ~ built[0].node.relation_name
      ~ ' where is_breached order by severity, rule_id, subject') -%}
  {{ log('data-quality alerts: ' ~ (breaches.rows | length) ~ ' rule(s) breached', info=true) }}
  {%- for row in breaches.rows -%}
    {{ log('  ' ~ row[0] | upper ~ '  ' ~ row[1] ~ '  ' ~ row[2] ~ ': ' ~ (row[3] | round(4)) ~ ' (threshold ' ~ row[4] ~ ')', info=true) }}
  {%- endfor -%}
{% endmacro %}
