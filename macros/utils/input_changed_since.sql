{#-
  Incremental models whose rows also depend on inputs other than their new
  rows (dimensions, a reference seed) recompute every row that changed input
  reaches:
  - `rows_fingerprint(logic)`: an aggregate over the rows of a reference
    seed, the calling model's code and `logic` (the vars and macro results
    it renders), one value that the model writes on every row;
  - `input_stamps_since(...)`: the newest stamp of each input the table
    holds, each a literal (so Delta's file statistics skip older files);
    none, every row, on a first build, a full refresh, or when the table's
    fingerprint is not the current one (the seed or the logic changed, which
    reaches every row);
  - `input_changed_since(...)`: the condition that an input row arrived
    after that stamp (`any_stamp_after`), `true` for every row. A model that
    joins several inputs finds the rows they reach from each input alone
    instead: a condition over the joined inputs is only known after the
    whole join.
-#}

{% macro rows_fingerprint(logic) -%}
  {#- (sqlfluff's jinja templater has neither `model` nor local_md5: it lints a placeholder) -#}
  {%- set digest = local_md5(model.raw_code ~ (logic | string)) if local_md5 is defined else 'logic' -%}
  sha2(concat_ws('\n', '{{ digest }}', array_sort(collect_list(to_json(struct(*))))), 256)
{%- endmacro %}


{% macro input_changed_since(stamps, fingerprint_column, reference, logic, minus_minutes=0) -%}
  {{- return(any_stamp_after(input_stamps_since(stamps, fingerprint_column, reference, logic, minus_minutes))) -}}
{%- endmacro %}


{% macro input_stamps_since(stamps, fingerprint_column, reference, logic, minus_minutes=0) -%}
  {#- stamps: an input's stamp, as the model's SQL names it -> the model's column holding that stamp.
      Returns that input stamp -> the newest of it the table holds, a literal; none for every row. -#}
  {#- (a unit test has no `this`: it computes every row of its given input) -#}
  {%- if not execute or this is none or not is_incremental() or not same_fingerprint(fingerprint_column, reference, logic) -%}
    {{- return(none) -}}
  {%- endif -%}
  {%- set newest = newest_timestamps(this, stamps.values() | list, minus_minutes) -%}
  {%- set since = {} -%}
  {%- for stamp in stamps -%}
    {#- no row holds a stamp of that input yet: every row of it is new -#}
    {%- do since.update({stamp: newest[loop.index0] or 'timestamp_micros(0)'}) -%}
  {%- endfor -%}
  {{- return(since) -}}
{%- endmacro %}


{% macro any_stamp_after(since) -%}
  {#- the condition that an input stamp is after its literal of input_stamps_since; `true` for every row -#}
  {%- if since is none -%}
    {{- return('true') -}}
  {%- endif -%}
  {%- set conditions = [] -%}
  {%- for stamp, newest in since.items() -%}
    {%- do conditions.append(stamp ~ ' > ' ~ newest) -%}
  {%- endfor -%}
  {{- return('(' ~ conditions | join(' or ') ~ ')') -}}
{%- endmacro %}


{% macro same_fingerprint(fingerprint_column, reference, logic) -%}
  {#- Whether every row of the table holds the current fingerprint. -#}
  {%- set compare_sql -%}
    select min(held.{{ fingerprint_column }}) = current.fingerprint and max(held.{{ fingerprint_column }}) = current.fingerprint
    from {{ this }} as held
    cross join (select {{ rows_fingerprint(logic) }} as fingerprint from {{ reference }}) as current
    group by current.fingerprint
  {%- endset -%}
  {%- set same = run_query(compare_sql).columns[0].values() -%}
  {{- return(same | length > 0 and same[0]) -}}
{%- endmacro %}
