{#-
  Seeds on both engines (engine note 12). dbt-spark's session connection
  fills a seed's `%s` placeholders in Python: an empty cell becomes the text
  'None', a decimal becomes a float, a timestamp loses its microseconds, and a
  quote in a value ends the string literal. It also asks the adapter for each
  cell's type, which took minutes for a 20,000-row seed. Here each value is
  written as a typed literal, escaped, with each column's type found once.
-#}

{% macro spark__load_csv_rows(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set types = [] -%}
  {%- for col_name in agate_table.column_names -%}
    {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
  {%- endfor -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
    {%- set sql -%}
      insert into {{ this.render() }} values
      {% for row in chunk -%}
        ({%- for value in row -%}
          {{ spark_seed_literal(value, types[loop.index0]) }}{{ ',' if not loop.last }}
        {%- endfor -%}){{ ',' if not loop.last }}
      {% endfor %}
    {%- endset -%}
    {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
    {%- if loop.first -%}
      {%- do statements.append(sql) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(statements[0] if statements else '') }}
{% endmacro %}


{% macro spark_seed_literal(value, data_type) -%}
  {#- One seed cell as a constant of its column's type; an empty cell is null. -#}
  {%- if value is none -%}
    cast(null as {{ data_type }})
  {%- else -%}
    {%- if value is sameas true or value is sameas false -%}
      {%- set text = 'true' if value else 'false' -%}
    {%- elif value.hour is defined -%}
      {%- set text = value.strftime('%Y-%m-%d %H:%M:%S.%f') -%}
    {%- elif value.isoformat is defined -%}
      {%- set text = value.isoformat() -%}
    {%- else -%}
      {%- set text = value | string -%}
    {%- endif -%}
    cast({{ spark_string_literal(text) }} as {{ data_type }})
  {%- endif -%}
{%- endmacro %}


{% macro spark_string_literal(text) -%}
  {#- A SQL string literal: backslash and quote escaped, as the engine's parser reads them. -#}
  '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
