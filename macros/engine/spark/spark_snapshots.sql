{#-
  Engine note 23: dbt-spark's snapshot adds the staging columns of a list
  `unique_key` (dbt_unique_key_1, ...) to the snapshot table when the source
  gained columns; dbt's own snapshot leaves them out. The next run then
  failed with "ambiguous attribute snapshotted_data.dbt_unique_key_1".
-#}

{% macro spark__create_columns(relation, columns) %}
  {%- set added = [] -%}
  {%- for column in columns if not modules.re.match('dbt_unique_key_[0-9]+$', column.name | lower) -%}
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
