{#-
  The high-water mark of an incremental model: max(column) of its current table, as a SQL
  literal, or a literal that lets every row through when the table is empty.

  It is read at run time and inlined as a constant, not left as a subquery: a constant filter on
  `_ingested_at` reaches DuckDB's Parquet reader and its table zone maps, so an incremental run
  skips row groups and files that landed before the mark instead of scanning the whole history.
-#}
{% macro watermark(relation, column, data_type='timestamptz') -%}
    {%- set low = "'-infinity'::" ~ data_type -%}
    {%- if not execute -%}{{ return(low) }}{%- endif -%}
    {%- do require_state_column(relation, column) -%}
    {%- set value = run_query("select cast(max(" ~ column ~ ") as varchar) from " ~ relation).columns[0].values()[0] -%}
    {%- if value is none -%}{{ return(low) }}{%- endif -%}
    {{- return("'" ~ value ~ "'::" ~ data_type) -}}
{%- endmacro %}

{#- A table built before its model became incremental (or gained a state column) cannot say what it
    has seen: stop with the remedy instead of a binder error. -#}
{% macro require_state_column(relation, column) -%}
    {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- if column | lower not in names -%}
        {{ exceptions.raise_compiler_error(relation ~ " has no column " ~ column ~ ": it was built before this model"
            ~ " was incremental; run `aftershock build --full-refresh` once") }}
    {%- endif -%}
{%- endmacro %}
