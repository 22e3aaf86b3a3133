{#- The conformed customer: one row per customer key (C + 6 digits) known to
    any of the domains that share it - e-commerce customers, the cx customer
    database and survey respondents, and contact-center callers - with where
    the customer appears. Retail customers have their own numeric keys and
    are not part of it. -#}
with

ecommerce as (
    select * from {{ ref('stg_ecommerce__customers') }}
),

cx_customers as (
    select * from {{ ref('stg_cx__customers') }}
),

cx_surveys as (
    select * from {{ ref('stg_cx__surveys') }}
),

interactions as (
    select * from {{ ref('stg_contact_center__interactions') }}
),

survey_counts as (
    select
        customer_id,
        count(*) as survey_responses
    from cx_surveys
    group by customer_id
),

interaction_counts as (
    select
        customer_id,
        count(*) as contact_center_interactions
    from interactions
    where customer_id is not null
    group by customer_id
),

-- full joins on the key found so far: each input is read once (a union of
-- the keys, joined back to the inputs, read each twice)
final as (
    select
        coalesce(
            ecommerce.customer_id,
            cx_customers.customer_id,
            survey_counts.customer_id,
            interaction_counts.customer_id
        ) as customer_id,
        coalesce(ecommerce.customer_display_name, cx_customers.customer_display_name) as customer_display_name,
        ecommerce.customer_tier as ecommerce_tier,
        cx_customers.segment as cx_segment,
        coalesce(ecommerce.state, cx_customers.region) as customer_state,
        ecommerce.customer_id is not null as is_ecommerce_customer,
        cx_customers.customer_id is not null as is_in_customer_database,
        coalesce(survey_counts.survey_responses, 0) as survey_responses,
        coalesce(interaction_counts.contact_center_interactions, 0) as contact_center_interactions
    from ecommerce
    full outer join cx_customers on ecommerce.customer_id = cx_customers.customer_id
    full outer join survey_counts
        on coalesce(ecommerce.customer_id, cx_customers.customer_id) = survey_counts.customer_id
    full outer join interaction_counts
        on
            coalesce(ecommerce.customer_id, cx_customers.customer_id, survey_counts.customer_id)
            = interaction_counts.customer_id
)

select * from final
