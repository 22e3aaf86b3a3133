{#-
  Expectations: every rule on delivered data is a data test whose action sits
  beside it in the model's YAML (`config.meta.action`), as Delta Live Tables'
  expectations have one:

    warn  the row is kept; the test (severity warn) stores the failing rows in
          the audit schema (store_failures) and counts them
    drop  the model leaves the row out (`passes_drop_rules()` in its final
          select) and its post-hook `quarantine_dropped_rows()` writes the row,
          once per rule it failed, to the layer's quarantine table
          (<layer schema>.rule_quarantine); its test (severity warn) then passes
    fail  no action, severity error: only for invariants the pipeline owns
          (keys after deduplication, contracts, reconciliation between layers);
          tests/test_project.py holds the list

  A drop rule is a generic test of a kind whose failing rows a predicate can
  name: not_null, accepted_values, accepted_range, relationships,
  expression_is_true. A relationships rule reads its parent: the model says
  `-- depends_on: {{ ref('parent') }}` so the parent is built first.
-#}

{% macro drop_rules(model_node=none) -%}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set owner = (model_node or model).unique_id -%}
  {%- set rules = [] -%}
  {%- for node in graph.nodes.values() -%}
    {%- if node.resource_type == 'test' and node.attached_node == owner
          and (node.config.meta or {}).get('action') == 'drop' -%}
      {%- do rules.append(node) -%}
    {%- endif -%}
  {%- endfor -%}
  {{- return(rules | sort(attribute='name')) -}}
{%- endmacro %}


{#- The condition a row meets when it passes one rule (a test node). -#}
{% macro rule_passes(test) -%}
  {%- set kind = test.test_metadata.name -%}
  {%- set args = test.test_metadata.kwargs -%}
  {%- set column = args.get('column_name') -%}
  {%- if kind == 'not_null' -%}
    {{- return(column ~ ' is not null') -}}
  {%- elif kind == 'accepted_values' -%}
    {%- set quote = args.get('quote', true) -%}
    {%- set values = [] -%}
    {%- for value in args['values'] -%}
      {%- do values.append("'" ~ value ~ "'" if quote else value | string) -%}
    {%- endfor -%}
    {{- return('(' ~ column ~ ' is null or ' ~ column ~ ' in (' ~ values | join(', ') ~ '))') -}}
  {%- elif kind == 'accepted_range' -%}
    {%- set inclusive = args.get('inclusive', true) -%}
    {%- set bounds = [] -%}
    {%- if args.get('min_value') is not none -%}
      {%- do bounds.append(column ~ (' >= ' if inclusive else ' > ') ~ args['min_value']) -%}
    {%- endif -%}
    {%- if args.get('max_value') is not none -%}
      {%- do bounds.append(column ~ (' <= ' if inclusive else ' < ') ~ args['max_value']) -%}
    {%- endif -%}
    {{- return('(' ~ column ~ ' is null or (' ~ bounds | join(' and ') ~ '))') -}}
  {%- elif kind == 'relationships' -%}
    {%- set parent = modules.re.search("ref\\(\\s*['\"]([^'\"]+)['\"]\\s*\\)", args['to']).group(1) -%}
    {{- return('(' ~ column ~ ' is null or ' ~ column ~ ' in (select ' ~ args['field'] ~ ' from '
               ~ ref(parent) ~ ' where ' ~ args['field'] ~ ' is not null))') -}}
  {%- elif kind == 'expression_is_true' -%}
    {{- return('coalesce((' ~ args['expression'] ~ '), false)') -}}
  {%- endif -%}
  {{- exceptions.raise_compiler_error(
        'test ' ~ test.name ~ ': a ' ~ kind ~ ' test cannot drop rows (macros/quality/expectations.sql)') -}}
{%- endmacro %}


{#- In a model's final select: `where {{ passes_drop_rules() }}`. -#}
{% macro passes_drop_rules() -%}
  {%- set rules = drop_rules() -%}
  {%- if not rules -%}{{ return('true') }}{%- endif -%}
  {%- set conditions = [] -%}
  {%- for rule in rules -%}
    {%- do conditions.append(rule_passes(rule)) -%}
  {%- endfor -%}
  {{- return('/* drop rules */ (' ~ conditions | join(' and ') ~ ') /* end drop rules */') -}}
{%- endmacro %}


{#- Post-hook of every silver model (dbt_project.yml): the rows this build left
    out, one per rule each failed, appended to the layer's quarantine. The
    model's own compiled SQL selects its candidate rows (its drop condition
    replaced by `true`); each rule's condition stays in a WHERE, where every
    engine takes a subquery (engine note 41). A delivered row (the model's
    unique key and the row's `_ingested_at`) is quarantined once per rule: a
    rebuild or full refresh that drops it again adds nothing. -#}
{% macro quarantine_dropped_rows() -%}
  {%- set rules = drop_rules() -%}
  {%- if not rules or not execute -%}{{ return('') }}{%- endif -%}
  {%- set keep = passes_drop_rules() -%}
  {%- set code = model.compiled_code or '' -%}
  {%- set key = model.config.get('unique_key') -%}
  {%- if keep not in code or not key or key is not string -%}
    {{- exceptions.raise_compiler_error(
          model.name ~ ' has drop rules: it needs a single-column unique_key and `where passes_drop_rules()`') -}}
  {%- endif -%}
  {%- set quarantine = rule_quarantine_relation(this.schema) -%}
  insert into {{ quarantine }}
  select * from (
    {% for rule in rules -%}
    select
      '{{ model.name }}' as model_name,
      '{{ rule.name }}' as rule_name,
      'drop' as action,
      cast({{ key }} as string) as row_key,
      _ingested_at as row_ingested_at,
      to_json(struct(*)) as row_json,
      {{ build_stamp() }} as quarantined_at
    from ({{ code | replace(keep, 'true') }}) as candidates
    where not {{ rule_passes(rule) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
  ) as dropped
  where not exists (
    select 1 from {{ quarantine }} as kept
    where
      kept.model_name = dropped.model_name
      and kept.rule_name = dropped.rule_name
      and kept.row_key = dropped.row_key
      and kept.row_ingested_at = dropped.row_ingested_at
  )
{%- endmacro %}


{#- on-run-start: the quarantine table of every schema a model with drop rules
    builds into, created once before any model runs (a table created by two
    models' hooks at once is refused by the local engine: engine note 41). -#}
{% macro create_rule_quarantines() %}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set schemas = [] -%}
  {%- for node in graph.nodes.values() if node.resource_type == 'model' and drop_rules(node) -%}
    {%- if node.schema not in schemas -%}{%- do schemas.append(node.schema) -%}{%- endif -%}
  {%- endfor -%}
  {%- for schema in schemas -%}
    {%- set relation = rule_quarantine_relation(schema) -%}
    {%- if adapter.get_relation(database=relation.database, schema=schema, identifier=relation.identifier) is none -%}
      {%- do adapter.create_schema(relation) -%}
      {%- do run_query(create_rule_quarantine(relation)) -%}
    {%- endif -%}
  {%- endfor -%}
{% endmacro %}


{% macro rule_quarantine_relation(schema) -%}
  {{- return(api.Relation.create(schema=schema, identifier='rule_quarantine')) -}}
{%- endmacro %}


{% macro create_rule_quarantine(relation) -%}
  create table if not exists {{ relation }} (
    model_name string,
    rule_name string,
    action string,
    row_key string,
    row_ingested_at timestamp,
    row_json string,
    quarantined_at timestamp
  ) using {{ env_var('LAKE_TABLE_FORMAT', 'delta') }}
  {{ append_only_table_location(relation) }}
{%- endmacro %}
