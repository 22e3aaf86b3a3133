{#- Net Promoter Score of a group: % promoters minus % detractors among the
    rows with an NPS band, from -100 to 100; null when no row has one.
    Computed in double precision (a decimal literal would round it). -#}
{% macro net_promoter_score(band_column) -%}
    cast(
        count(case when {{ band_column }} = 'Promoter' then 1 end)
        - count(case when {{ band_column }} = 'Detractor' then 1 end) as double
    ) * 100 / nullif(count({{ band_column }}), 0)
{%- endmacro %}
