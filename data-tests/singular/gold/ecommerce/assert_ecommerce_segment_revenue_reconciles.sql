-- Revenue by segment sums to total revenue in the summary and in the fact table.
with

segments as (
    select sum(total_revenue) as revenue from {{ ref('rpt_ecommerce__segment_analysis') }}
),

summary as (
    select total_revenue as revenue from {{ ref('rpt_ecommerce__analytics_summary') }}
),

facts as (
    select sum(revenue) as revenue from {{ ref('fct_ecommerce__orders') }}
),

final as (
    select
        segments.revenue as segment_revenue,
        summary.revenue as summary_revenue,
        facts.revenue as fact_revenue
    from segments
    cross join summary
    cross join facts
    where
        abs(segments.revenue - summary.revenue) > 0.01
        or abs(facts.revenue - summary.revenue) > 0.01
)

select * from final
