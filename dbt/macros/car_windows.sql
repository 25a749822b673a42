{#- The CAR windows of var('car_windows') as a relation (window_start, window_end, window_days). -#}
{% macro car_windows() -%}
    (select * from (values
    {%- for w in var('car_windows') %}
        ({{ w[0] | int }}, {{ w[1] | int }}, {{ w[1] | int - w[0] | int + 1 }}){{ "," if not loop.last }}
    {%- endfor %}
    ) as t(window_start, window_end, window_days))
{%- endmacro %}
