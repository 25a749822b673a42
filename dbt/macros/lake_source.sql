{#-
  A lake source, or an empty relation of the source's declared columns when no batch has
  landed yet: a fresh install can build before every collector has run once.
  The source() call is kept in both cases so lineage and docs show the dependency.
-#}
{% macro lake_source(table) -%}
    {%- set rel = source('lake', table) -%}
    {%- if execute -%}
        {%- set pattern = env_var('AFTERSHOCK_LAKE_ROOT', env_var('AFTERSHOCK_DATA_DIR', '../data') ~ '/lake') ~ '/raw/' ~ table ~ '/*.parquet' -%}
        {%- set found = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {%- set node = graph.sources['source.aftershock.lake.' ~ table] -%}
            (select
            {%- for name, col in node.columns.items() %}
                cast(null as {{ col.data_type }}) as {{ name }}{{ "," if not loop.last }}
            {%- endfor %}
            where false)
        {%- else -%}{{ rel }}{%- endif -%}
    {%- else -%}{{ rel }}{%- endif -%}
{%- endmacro %}
