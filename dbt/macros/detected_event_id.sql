{#- The id of the detected event of a session: detected-YYYY-MM-DD (one event per session). -#}
{% macro detected_event_id(trade_date) -%}
    ('detected-' || strftime({{ trade_date }}, '%Y-%m-%d'))
{%- endmacro %}
