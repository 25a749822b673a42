{#- A primary key: no two rows share the columns' values, and no row has a null in one of them (the
    "unique and not null" of a key test, so a key column needs no not_null test of its own: those were
    63 more test nodes, about 1 s of every build). A column listed in `nullable` is part of the key
    where a null is a value of its own (an all-time record has no event). With `recomputed_from` (an
    incremental model's column), an incremental build checks only the rows from where its last run
    began rewriting (macros/incremental_tests.sql), so the test costs what the new data costs: a
    duplicate or a null there involves a row that run wrote.

    Grouped by a 64-bit hash of the key first, then exactly, only over the rows whose hash repeats
    (none, unless there is a duplicate or a collision): a duplicate key always repeats its hash, so
    the result is the plain group-by's. Why: grouping 115 million rows of int_event_horizon_returns
    (10 million price rows) by two text columns and an integer ran out of DuckDB's memory_limit
    (1.4 GiB, the build's default), where grouping the hash spills and passes (13.6 s). -#}
{% test unique_combination(model, columns, recomputed_from=none, nullable=[]) %}
{%- set since = incremental_range_start(model, recomputed_from) if recomputed_from else none %}
{%- set key = columns | join(', ') %}
{%- set required = columns | reject('in', nullable) | list %}
{%- set rows_checked -%}
from {{ model }}
{% if since is not none %}
where {{ recomputed_from }} >= {{ since }}
{% endif %}
{%- endset %}
select {{ key }}, count(*) as n
{{ rows_checked }}
{{ 'and' if since is not none else 'where' }} hash({{ key }}) in (
    select hash({{ key }}) as key_hash
    {{ rows_checked }}
    group by key_hash
    having count(*) > 1
)
group by {{ key }}
having count(*) > 1
{%- if required %}
union all
select {{ key }}, count(*) as n
{{ rows_checked }}
{{ 'and' if since is not none else 'where' }} ({{ required | join(' is null or ') }} is null)
group by {{ key }}
{%- endif %}
{% endtest %}
