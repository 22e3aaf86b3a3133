{#-
  on-run-end: per-environment access, as the cx document sets it out.
  Analysts read gold; engineers write bronze (the ingest job) and own silver,
  gold and snapshots. Applied on Databricks targets (Unity Catalog), schema by
  schema so new tables inherit them; the local and Spark engines have no
  access control, so there it only says so.
-#}
{% macro apply_grants_by_layer() %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- if target.type != 'databricks' -%}
    {{ log('grants: not applied on ' ~ target.type ~ ' (no access control); see apply_grants_by_layer') }}
    {{ return('') }}
  {%- endif -%}
  {%- for statement in grant_statements() -%}
    {%- do run_query(statement) -%}
  {%- endfor -%}
{% endmacro %}


{% macro grant_statements() -%}
  {%- set analysts = '`' ~ var('analyst_group') ~ '`' -%}
  {%- set engineers = '`' ~ var('engineer_group') ~ '`' -%}
  {%- set statements = [
      'grant use catalog on catalog `' ~ target.catalog ~ '` to ' ~ analysts,
      'grant use catalog on catalog `' ~ target.catalog ~ '` to ' ~ engineers,
      'grant use schema, select on schema ' ~ generate_schema_name('gold', none) ~ ' to ' ~ analysts,
      'grant use schema, select, modify, create table on schema ' ~ var('bronze_schema') ~ ' to ' ~ engineers,
  ] -%}
  {%- for layer in ['silver', 'snapshots', 'gold', 'reference', 'audit'] -%}
    {%- do statements.append('grant all privileges on schema ' ~ generate_schema_name(layer, none) ~ ' to ' ~ engineers) -%}
  {%- endfor -%}
  {{- return(statements) -}}
{%- endmacro %}
