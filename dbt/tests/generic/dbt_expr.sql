{#- Rows where a boolean SQL expression is false (dbt_utils.expression_is_true without the package: installs stay offline). -#}
{% test dbt_expr(model, column_name=None, expression=None) %}
select * from {{ model }} where not coalesce(({{ expression }}), false)
{% endtest %}
