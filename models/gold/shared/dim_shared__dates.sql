{#- The shared date dimension: one row per calendar day from var
    date_spine_start to var date_spine_end, with calendar and season
    attributes, for every domain's dates to join to. -#}
with

spine as (
    select
        explode(
            sequence(date '{{ var("date_spine_start") }}', date '{{ var("date_spine_end") }}', interval 1 day)
        ) as date_day
),

final as (
    select
        date_day,
        year(date_day) as calendar_year,
        quarter(date_day) as calendar_quarter,
        month(date_day) as calendar_month,
        date_format(date_day, 'MMMM') as month_name,
        weekofyear(date_day) as week_of_year,
        dayofweek(date_day) as day_of_week,
        date_format(date_day, 'EEEE') as day_name,
        dayofweek(date_day) in (1, 7) as is_weekend,
        {{ season_of('date_day') }} as season,
        {{ season_year_of('date_day') }} as season_year
    from spine
)

select * from final
