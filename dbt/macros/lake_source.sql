{#-
  A lake source, read from exactly the batch files this build recorded before dbt started
  (raw.lake_batches, written by aftershock.lake_batches): never a glob of the lake folder, so a
  batch that lands while dbt runs is not half-read and is wholly in the next build.

  new_only=true (an incremental run) reads only the batches not consumed by the published
  warehouse this file was seeded from; otherwise every recorded batch. With no file to read, an
  empty relation of the source's declared columns (a fresh install can build before every
  collector has run once). The source() call is kept so lineage and docs show the dependency.
-#}
{% macro lake_source(table, new_only=false) -%}
    {%- set rel = source('lake', table) -%}
    {%- if not execute -%}{{ return(rel) }}{%- endif -%}
    {%- set paths = lake_batches(table, new_only) | map(attribute=0) | list -%}
    {%- if paths | length == 0 -%}
        {%- set node = graph.sources['source.aftershock.lake.' ~ table] -%}
        (select
        {%- for name, col in node.columns.items() %}
            cast(null as {{ col.data_type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
        where false)
    {%- else -%}
        read_parquet([{%- for p in paths -%}{{ sql_string(p) }}{{ ", " if not loop.last }}{%- endfor -%}], union_by_name = true)
    {%- endif -%}
{%- endmacro %}

{#- A SQL string literal: quotes doubled, so a path or value holding ' stays one literal. -#}
{% macro sql_string(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{#- The (path, batch_id) of each batch file this build recorded for a lake source (raw.lake_batches),
    new_only: those the published warehouse has not consumed. -#}
{% macro lake_batches(table, new_only=false) -%}
    {%- set sql -%}
        select path, batch_id from raw.lake_batches
        where source = {{ sql_string(table) }} {{ "and not consumed" if new_only }}
        order by path
    {%- endset -%}
    {{ return(run_query(sql).rows | list) }}
{%- endmacro %}
