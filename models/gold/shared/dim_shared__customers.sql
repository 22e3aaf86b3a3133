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

keys as (
    select customer_id from ecommerce
    union
    select customer_id from cx_customers
    union
    select customer_id from cx_surveys
    union
    select customer_id from interactions
    where customer_id is not null
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
    group by customer_id
),

final as (
    select
        keys.customer_id,
        coalesce(ecommerce.customer_display_name, cx_customers.customer_display_name) as customer_display_name,
        ecommerce.customer_tier as ecommerce_tier,
        cx_customers.segment as cx_segment,
        coalesce(ecommerce.state, cx_customers.region) as customer_state,
        ecommerce.customer_id is not null as is_ecommerce_customer,
        cx_customers.customer_id is not null as is_in_customer_database,
        coalesce(survey_counts.survey_responses, 0) as survey_responses,
        coalesce(interaction_counts.contact_center_interactions, 0) as contact_center_interactions
    from keys
    left join ecommerce on keys.customer_id = ecommerce.customer_id
    left join cx_customers on keys.customer_id = cx_customers.customer_id
    left join survey_counts on keys.customer_id = survey_counts.customer_id
    left join interaction_counts on keys.customer_id = interaction_counts.customer_id
)

select * from final
