{#- The CAR windows of var('car_windows') as a relation (window_start, window_end, window_days). -#}
{% macro car_windows() -%}
    (select * from (values
    {%- for w in var('car_windows') %}
        ({{ w[0] | int }}, {{ w[1] | int }}, {{ w[1] | int - w[0] | int + 1 }}){{ "," if not loop.last }}
    {%- endfor %}
    ) as t(window_start, window_end, window_days))
{%- endmacro %}

{#- The last relative day the study needs: the event window's end or the longest CAR window's. -#}
{% macro study_horizon_end() -%}
    {%- set ends = [var('window_end') | int] %}
    {%- for w in var('car_windows') %}{% do ends.append(w[1] | int) %}{% endfor -%}
    {{ ends | max }}
{%- endmacro %}

{#- The first relative day the study needs after the estimation window: the event window's start or the earliest CAR window's. -#}
{% macro study_horizon_start() -%}
    {%- set starts = [var('window_start') | int] %}
    {%- for w in var('car_windows') %}{% do starts.append(w[0] | int) %}{% endfor -%}
    {{ starts | min }}
{%- endmacro %}
