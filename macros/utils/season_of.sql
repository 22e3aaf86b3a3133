{#- Meteorological season of a date (northern hemisphere), and the year it
    belongs to: December counts towards the next year's winter. -#}
{% macro season_of(date_expr) -%}
    case
        when month({{ date_expr }}) in (12, 1, 2) then 'Winter'
        when month({{ date_expr }}) in (3, 4, 5) then 'Spring'
        when month({{ date_expr }}) in (6, 7, 8) then 'Summer'
        else 'Autumn'
    end
{%- endmacro %}

{% macro season_year_of(date_expr) -%}
    year(add_months({{ date_expr }}, 1))
{%- endmacro %}
