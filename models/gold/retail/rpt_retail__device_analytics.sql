{#- The document's device_analytics: transactions per device and browser,
    over all statuses (to show where purchases stall) and completed ones. -#}
with

transactions as (
    select * from {{ ref('stg_retail__transactions') }}
),

final as (
    select
        concat(device_type, '|', browser) as device_browser_key,
        device_type,
        browser,
        count(*) as transaction_count,
        count(case when status = 'completed' and is_valid_quantity then 1 end) as completed_transactions,
        cast(
            sum(case when status = 'completed' and is_valid_quantity then total_amount else 0 end) as decimal(16, 2)
        ) as completed_revenue,
        count(distinct customer_id) as unique_customers,
        cast(
            count(case when status = 'completed' and is_valid_quantity then 1 end) / count(*) as double
        ) as completion_rate
    from transactions
    group by device_type, browser
)

select * from final
