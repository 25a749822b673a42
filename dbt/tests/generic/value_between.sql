{#- Rows whose value is outside [min_value, max_value] (strict_min / strict_max: the bound itself is
    outside too; a bound left out is open; null passes, infinities fail a finite bound).
    A column's numeric bound is declared here once: the quality gate's suites (expectations/mart_suites.py)
    read min_value and max_value from the dbt manifest instead of repeating the numbers. -#}
{% test value_between(model, column_name, min_value=none, max_value=none, strict_min=false, strict_max=false) %}
select * from {{ model }}
where {{ column_name }} is not null and not (
    {% if min_value is not none %}{{ column_name }} {{ ">" if strict_min else ">=" }} {{ min_value }}{% else %}true{% endif %}
    and {% if max_value is not none %}{{ column_name }} {{ "<" if strict_max else "<=" }} {{ max_value }}{% else %}true{% endif %}
)
{% endtest %}
