{#-
  Engine note 23: dbt-spark's snapshot adds the staging columns of a list
  `unique_key` (dbt_unique_key_1, ...) to the snapshot table when the source
  gained columns; dbt's own snapshot leaves them out. The next run then
  failed with "ambiguous attribute snapshotted_data.dbt_unique_key_1".
-#}

{% macro is_unique_key_staging_column(name) -%}
  {#- dbt_unique_key_<n>, quoted or not: a staging column, never the snapshot's -#}
  {{- return(modules.re.match('dbt_unique_key_[0-9]+$', name | replace('`', '') | lower) is not none) -}}
{%- endmacro %}


{% macro spark__create_columns(relation, columns) %}
  {%- set added = [] -%}
  {%- for column in columns if not is_unique_key_staging_column(column.name) -%}
    {%- do added.append(column) -%}
  {%- endfor -%}
  {%- if added -%}
    {% call statement('add_snapshot_columns') %}
      alter table {{ relation }} add columns (
        {%- for column in added %}
        `{{ column.name }}` {{ column.data_type }}{{ ',' if not loop.last }}
        {%- endfor %}
      )
    {% endcall %}
  {%- endif -%}
{% endmacro %}
