{#- No two rows share the columns' values. With `recomputed_from` (an incremental model's column),
    an incremental build checks only the rows from where its last run began rewriting
    (macros/incremental_tests.sql), so the test costs what the new data costs. -#}
{% test unique_combination(model, columns, recomputed_from=none) %}
{%- set since = incremental_range_start(model, recomputed_from) if recomputed_from else none %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
{% if since is not none %}
where {{ recomputed_from }} >= {{ since }}
{% endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
