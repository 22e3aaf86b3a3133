{#-
  Tear down a CI build: drop every schema the current target created
  (<target.schema>_<layer>: _silver, _gold, ...; layer names have no "_", so
  `ci` never drops `ci_pr42_silver`). Refused outside the `ci` target, so
  a slip of the target cannot drop the developer's or production's schemas.
  dbt run-operation drop_ci_schemas --target ci
-#}
{% macro drop_ci_schemas() %}
  {%- if target.name != 'ci' -%}
    {{ exceptions.raise_compiler_error(
        "drop_ci_schemas only runs on the `ci` target, not on `" ~ target.name ~ "`") }}
  {%- endif -%}
  {%- set prefix = target.schema ~ '_' -%}
  {%- set dropped = [] -%}
  {%- for row in run_query('show schemas') -%}
    {%- set name = row[0] -%}
    {%- if name.startswith(prefix) and '_' not in name[prefix | length:] -%}
      {%- do run_query('drop schema if exists ' ~ adapter.quote(name) ~ ' cascade') -%}
      {%- do dropped.append(name) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ log('dropped schemas: ' ~ (dropped | join(', ') if dropped else 'none'), info=true) }}
{% endmacro %}
