{#- One row per transaction_id (the latest delivery wins), with the document's
    temporal features. Incremental merge on transaction_id over the bronze rows
    ingested since the newest one already built, less the lookback window. A
    transaction of a customer or product silver does not know is left out and
    quarantined with its drop rule (_retail__models.yml). -#}
{{
    config(
        materialized=incremental_where_supported(),
        unique_key='transaction_id',
    )
}}

-- the drop rules' parents, built before this model:
-- depends_on: {{ ref('stg_retail__customers') }}
-- depends_on: {{ ref('stg_retail__products') }}

with

source as (
    select * from {{ source('retail', 'transactions') }}
    where {{ ingested_since_last_build() }}
),

latest as (
    {{ deduplicate('source', 'transaction_id', '_ingested_at desc, _source_file desc') }}
),

final as (
    select
        -- ids
        transaction_id,
        customer_id,
        product_id,

        -- attributes
        lower(trim(status)) as status,
        payment_method,
        device_type,
        browser,

        -- numerics
        quantity,
        unit_price,
        total_amount,
        coalesce(quantity > 0, false) as is_valid_quantity,

        -- temporal features
        transaction_date as transacted_at,
        cast(transaction_date as date) as transaction_date,
        hour(transaction_date) as transaction_hour,
        date_format(transaction_date, 'EEEE') as transaction_weekday,
        dayofweek(transaction_date) in (1, 7) as is_weekend,

        -- timestamps
        _ingested_at,
        _source_file,
        {{ build_stamp() }} as _built_at
    from latest
)

select * from final
where {{ passes_drop_rules() }}
