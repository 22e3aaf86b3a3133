{#- The document's customers_enriched: every customer with completed-purchase
    spend, order count, average order value, recency and the Premium / Gold /
    Silver / Bronze segment from retail_customer_segments. -#}
with

customers as (
    select * from {{ ref('stg_retail__customers') }}
),

transactions as (
    select * from {{ ref('int_retail__transactions_completed') }}
),

segments as (
    select * from {{ ref('retail_customer_segments') }}
),

spend as (
    select
        customer_id,
        count(*) as completed_transactions,
        sum(total_amount) as total_spent,
        max(transaction_date) as last_purchase_date
    from transactions
    group by customer_id
),

enriched as (
    select
        -- the customer's columns, not the incremental build stamp of stg_retail__customers
        customers.customer_id,
        customers.customer_display_name,
        customers.email_sha256,
        customers.is_valid_email,
        customers.city,
        customers.country,
        customers.age,
        customers.age_band,
        customers.registration_date,
        customers._ingested_at,
        customers._source_file,
        coalesce(spend.completed_transactions, 0) as completed_transactions,
        cast(coalesce(spend.total_spent, 0) as decimal(14, 2)) as total_spent,
        cast(spend.total_spent / spend.completed_transactions as decimal(14, 2)) as avg_order_value,
        spend.last_purchase_date
    from customers
    left join spend on customers.customer_id = spend.customer_id
),

matches as (
    select
        enriched.customer_id,
        segments.segment,
        row_number() over (partition by enriched.customer_id order by segments.segment_rank) as match_rank
    from enriched
    inner join segments on enriched.total_spent >= segments.min_total_spent
),

final as (
    select
        enriched.*,
        matches.segment as customer_segment
    from enriched
    inner join matches on enriched.customer_id = matches.customer_id and matches.match_rank = 1
)

select * from final
