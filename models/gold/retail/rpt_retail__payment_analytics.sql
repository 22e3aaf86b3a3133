{#- The document's payment_analytics: usage and revenue per payment method,
    over completed transactions. -#}
with

transactions as (
    select * from {{ ref('int_retail__transactions_completed') }}
),

per_method as (
    select
        payment_method,
        count(*) as transaction_count,
        cast(sum(total_amount) as decimal(16, 2)) as total_revenue,
        cast(avg(total_amount) as decimal(14, 2)) as avg_transaction_value
    from transactions
    group by payment_method
),

final as (
    select
        *,
        cast(transaction_count / sum(transaction_count) over () as double) as transaction_share
    from per_method
)

select * from final
