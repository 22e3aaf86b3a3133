{#-
  Enforced model contracts on both engines (engine note 17). dbt-spark adds a
  contract's constraints to the built table with ALTER TABLE (`add
  constraint ... check`, `change column ... set not null`): Sail has no SET
  NOT NULL, and Delta Lake on Apache Spark refuses to make an existing
  column non-nullable. Here each constraint is checked against the rows just
  built, and a violation fails the model with the constraint named, as the
  ALTER would. Later writes outside dbt are not checked.
-#}

{% macro spark__alter_table_add_constraints(relation, constraints) %}
  {%- for constraint in constraints if constraint.type == 'check' -%}
    {% do spark_assert_no_rows(relation, 'not (' ~ constraint.expression ~ ')',
                              'CHECK constraint ' ~ (constraint.name or constraint.expression)) %}
  {%- endfor -%}
{% endmacro %}


{% macro spark__alter_column_set_constraints(relation, column_dict) %}
  {%- for column_name in column_dict -%}
    {%- for constraint in column_dict[column_name]['constraints'] -%}
      {%- if constraint.type == 'not_null' -%}
        {%- set quoted = adapter.quote(column_name) if column_dict[column_name]['quote'] else column_name -%}
        {% do spark_assert_no_rows(relation, quoted ~ ' is null', 'NOT NULL constraint on ' ~ column_name) %}
      {%- elif constraint.type == 'check' -%}
        {% do spark_assert_no_rows(relation, 'not (' ~ constraint.expression ~ ')',
                                  'CHECK constraint ' ~ (constraint.name or constraint.expression) ~ ' on ' ~ column_name) %}
      {%- else -%}
        {% do exceptions.warn('Constraint ' ~ constraint.type ~ ' on column ' ~ column_name ~ ' is not enforced: only not_null and check are.') %}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
{% endmacro %}


{% macro spark_assert_no_rows(relation, condition, what) %}
  {%- set found = run_query('select count(*) from ' ~ relation ~ ' where ' ~ condition).columns[0].values()[0] -%}
  {%- if found > 0 -%}
    {% do exceptions.raise_database_error(found ~ ' row(s) of ' ~ relation ~ ' violate the ' ~ what) %}
  {%- endif -%}
{% endmacro %}


{% macro contract_check_before_write(relation) %}
  {#-
    An incremental run's new rows against the model's enforced contract,
    before they reach the table: where the table kept its constraints they
    would refuse such rows; here it keeps none (engine note 17).
  -#}
  {{ return(adapter.dispatch('contract_check_before_write')(relation)) }}
{% endmacro %}


{% macro default__contract_check_before_write(relation) %}
  {#- the table's own constraints check the rows -#}
{% endmacro %}


{% macro spark__contract_check_before_write(relation) %}
  {%- set contract = config.get('contract') -%}
  {%- if contract and contract.enforced -%}
    {% do spark__alter_column_set_constraints(relation, model.columns) %}
    {% do spark__alter_table_add_constraints(relation, model.constraints) %}
  {%- endif -%}
{% endmacro %}
