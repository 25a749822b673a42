{#- A one-column primary key: unique_combination on that column (unique and not null in one query),
    written beside the column as `data_tests: [primary_key]`, where `[unique, not_null]` was two test
    nodes and two scans of the table on every build. -#}
{% test primary_key(model, column_name) %}
{{ test_unique_combination(model, [column_name]) }}
{% endtest %}
