{#- The block of a sequential key: the key without its last five characters.
    Keys issued in sequence (O00000001, O00000002, ...) share it by the
    hundred thousand, so a day's new keys and recently changed ones fall in
    few blocks; a model partitioned by it, with meta partition_follows_key,
    merges into those partitions only (partition_predicates). A function of
    the key alone, as that needs. -#}
{% macro key_block(key_column) -%}
    left({{ key_column }}, length({{ key_column }}) - 5)
{%- endmacro %}
