{#- One row per usable order (validation severity below HIGH), enriched with
    product, customer and shipment attributes and the document's business
    metrics: revenue, estimated cost and gross profit. Revenue counts an
    order whose status is a revenue status (var ecommerce_revenue_statuses)
    and whose currency is USD; every other order has revenue 0 and says why
    in revenue_exclusion_reason.
    Incremental by order: a run enriches again the orders that
    int_ecommerce__orders_validated wrote since this model's newest row (it
    validates again every order whose customer, product or shipment
    changed), and every order when the margins seed or this model's logic
    changed. An order that became HIGH is merged, then deleted (post-hook). -#}
{%- set revenue_statuses = var("ecommerce_revenue_statuses") %}
{{
    config(
        materialized=incremental_where_supported(),
        unique_key='order_id',
        post_hook=["delete from {{ this }} where validation_severity = 'HIGH'"] if supports_merge() else [],
    )
}}
{%- set changed = input_changed_since(
    {'_built_at': '_built_at'}, '_logic_sha256', ref('ecommerce_category_margins'), revenue_statuses
) %}

with

orders as (
    -- incremental: the orders validated since, HIGH included (an order that
    -- became HIGH replaces its row, which the post-hook deletes); else those below HIGH
    select * from {{ ref('int_ecommerce__orders_validated') }}
    where {{ changed if is_incremental() else "validation_severity != 'HIGH'" }}
),

products as (
    select * from {{ ref('stg_ecommerce__products') }}
),

customers as (
    select * from {{ ref('stg_ecommerce__customers') }}
),

-- every version of every customer; parquet has no snapshots
-- (macros/engine/table_format.sql), so there the current one is the only one
customer_versions as (
    {%- if supports_merge() %}
        select * from {{ ref('snp_ecommerce__customers') }}
    {%- else %}
        select
            customer_id,
            customer_tier,
            cast(null as timestamp) as dbt_valid_from,
            cast(null as timestamp) as dbt_valid_to
        from customers
    {%- endif %}
),

shipping as (
    select * from {{ ref('stg_ecommerce__shipping') }}
),

margins as (
    select * from {{ ref('ecommerce_category_margins') }}
),

-- the customer's version valid when the order date began; an order placed
-- before the customer's first delivery takes that first version
versions_at_order as (
    select
        orders.order_id,
        customer_versions.customer_tier,
        row_number() over (
            partition by orders.order_id
            order by
                case when customer_versions.dbt_valid_from <= cast(orders.order_date as timestamp) then 0 else 1 end,
                customer_versions.dbt_valid_from
        ) as version_rank
    from orders
    inner join customer_versions
        on
            orders.customer_id = customer_versions.customer_id
            and cast(orders.order_date as timestamp) < coalesce(customer_versions.dbt_valid_to, timestamp '9999-12-31')
),

tier_at_order as (
    select
        order_id,
        customer_tier
    from versions_at_order
    where version_rank = 1
),

enriched as (
    select
        -- ids
        orders.order_id,
        orders.customer_id,
        orders.product_id,

        -- dimensions
        products.category,
        products.subcategory,
        products.brand,
        customers.customer_tier,
        tier_at_order.customer_tier as customer_tier_at_order,
        customers.state as customer_state,
        orders.payment_method,
        orders.order_status,
        shipping.shipping_method,
        orders.validation_severity,

        -- dates
        orders.order_date,
        year(orders.order_date) as order_year,
        quarter(orders.order_date) as order_quarter,
        month(orders.order_date) as order_month,
        {{ season_of('orders.order_date') }} as season,
        {{ season_year_of('orders.order_date') }} as season_year,

        -- measures
        orders.order_amount,
        case
            when not orders.is_valid_currency then 'not USD'
            when not coalesce(orders.is_valid_status, false) then 'unknown status'
            when orders.order_status not in ('{{ revenue_statuses | join("', '") }}') then orders.order_status  -- noqa: LT05
        end as revenue_exclusion_reason,
        shipping.shipping_cost,
        cast(orders.order_amount * coalesce(margins.cost_ratio, 1) as decimal(14, 2)) as estimated_cost
    from orders
    inner join products on orders.product_id = products.product_id
    left join customers on orders.customer_id = customers.customer_id
    left join tier_at_order on orders.order_id = tier_at_order.order_id
    left join shipping on orders.order_id = shipping.order_id
    left join margins on products.category = margins.category
),

-- what applies to every order alike: the margins and this model's logic
fingerprint as (
    select {{ rows_fingerprint(revenue_statuses) }} as _logic_sha256
    from margins
),

final as (
    select
        enriched.*,
        enriched.revenue_exclusion_reason is null as is_revenue_order,
        case when enriched.revenue_exclusion_reason is null then enriched.order_amount else 0 end as revenue,
        case
            when enriched.revenue_exclusion_reason is null then enriched.order_amount - enriched.estimated_cost else 0
        end as gross_profit,
        fingerprint._logic_sha256,
        {{ build_stamp() }} as _built_at
    from enriched
    cross join fingerprint
)

select * from final
