{% macro ecommerce_validation_checks() %}
    {#- The checks behind every rule of the ecommerce_validation_rules seed,
        by the table the seed names: rule_id -> a condition that is true for a
        failing row of that table's model. One place, so the per-order
        severity and the per-rule report count the same thing; a singular
        test keeps these ids and the seed's equal. -#}
    {{ return({
        'orders': {
            'orphaned_customer': 'not has_known_customer',
            'orphaned_product': 'not has_known_product',
            'non_positive_amount': 'not is_valid_amount',
            'invalid_currency': 'not is_valid_currency',
            'unknown_order_status': 'not is_valid_status',
            'invalid_shipping_address': 'not is_valid_shipping_address',
            'discontinued_product_ordered': 'is_discontinued_product',
            'premium_low_value_order': 'is_premium_customer and coalesce(order_amount < '
                ~ var("ecommerce_premium_min_order_amount") ~ ', false)',
            'missing_shipment': 'not has_shipment',
        },
        'customers': {
            'invalid_email': 'not is_valid_email',
            'invalid_phone': 'not is_valid_phone',
        },
        'products': {
            'non_positive_price': 'not is_valid_price',
        },
        'inventory': {
            'stock_status_mismatch': 'stock_status != expected_stock_status',
        },
        'shipping': {
            'orphaned_shipment': 'not has_known_order',
            'negative_shipping_cost': 'not is_valid_cost',
        },
    }) }}
{% endmacro %}


{% macro failed_rules_array(checks, value) -%}
    {#- An array with an element per rule of `checks` (rule_id -> failing
        condition): `value`, with {rule_id} replaced, where the row fails the
        rule and the seed has it (column <rule_id>__in_seed), else null; the
        array functions and concat_ws that read it skip the nulls. -#}
    array(
        {%- for rule_id, failed in checks.items() %}
            case when {{ rule_id }}__in_seed and ({{ failed }}) then {{ value | replace('{rule_id}', rule_id) }} end
            {{- ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
