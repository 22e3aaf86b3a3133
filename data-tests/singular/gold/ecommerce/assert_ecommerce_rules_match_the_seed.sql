-- Every check of the ecommerce_validation_checks macro is a rule of the
-- seed for the same table, and every rule of the seed has a check: a rule id
-- missing from either side would otherwise silently count nothing.
{%- set checks = ecommerce_validation_checks() %}

with

rules as (
    select * from {{ ref('ecommerce_validation_rules') }}
),

checks as (
    {%- for table, table_checks in checks.items() %}
        {%- set outer_loop = loop %}
        {%- for rule_id in table_checks %}
            select
                '{{ rule_id }}' as rule_id,
                '{{ table }}' as checked_table
            {%- if not (outer_loop.last and loop.last) %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
),

final as (
    select
        coalesce(checks.rule_id, rules.rule_id) as rule_id,
        checks.checked_table as table_checked,
        rules.checked_table as table_in_seed
    from checks
    full outer join rules
        on
            checks.rule_id = rules.rule_id
            and checks.checked_table = rules.checked_table
    where checks.rule_id is null or rules.rule_id is null
)

select * from final
