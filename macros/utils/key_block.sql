{#- The block of a sequential key: the key without its last five characters.
    Keys issued in sequence (O00000001, O00000002, ...) share it by the
    hundred thousand, so a day's new keys and recently changed ones fall in
    few blocks; models partitioned by it merge into those partitions only
    (sail_merge_partition_predicates). A function of the key alone, as the
    merge needs. -#}
{% macro key_block(key_column) -%}
    left({{ key_column }}, length({{ key_column }}) - 5)
{%- endmacro %}
