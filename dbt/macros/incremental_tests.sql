{#-
  Key tests that follow the new data. An incremental model records, in its pre-hook, where the rows
  it is about to rewrite begin (raw.incremental_ranges: relation, column, a SQL literal); its
  unique_combination test with `recomputed_from: <column>` then checks only the rows from there.
  That is exact. A duplicate key always involves a row the run wrote: the session-keyed wealth
  models delete every row from their first rewritten session before they insert, and the
  delete+insert staging models delete every stored row of a key they insert. Two rows of one key
  share the session (so both are at or past the recorded session), and a written staging row is
  past the recorded high-water mark. Older rows passed the same test in the build that wrote them.
  A model built whole (first build, --full-refresh) clears its record, and its test checks every row.
-#}

{% macro _incremental_ranges_ddl() -%}
    create schema if not exists raw;
    create table if not exists raw.incremental_ranges (relation varchar, column_name varchar, from_literal varchar);
    delete from raw.incremental_ranges where relation = '{{ this.schema }}.{{ this.identifier }}';
{%- endmacro %}

{#- Pre-hook SQL: record that this run rewrites the rows where `column` >= `literal` (incremental
    runs), or clear the record (a whole build). -#}
{% macro record_incremental_range(column, literal) -%}
    {{ _incremental_ranges_ddl() }}
    {%- if is_incremental() %}
    insert into raw.incremental_ranges values ('{{ this.schema }}.{{ this.identifier }}', '{{ column }}', {{ "'" ~ (literal | replace("'", "''")) ~ "'" }});
    {%- endif %}
{%- endmacro %}

{#- The literal the last run of `model` recorded for `column`, or none (test every row). -#}
{% macro incremental_range_start(model, column) -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {#- Asked of the database: dbt's relation cache predates the table a pre-hook created. -#}
    {%- set found = run_query("select count(*) from information_schema.tables where table_catalog = current_database()"
                              ~ " and table_schema = 'raw' and table_name = 'incremental_ranges'") -%}
    {%- if found.columns[0].values()[0] == 0 -%}{{ return(none) }}{%- endif -%}
    {%- set rows = run_query("select from_literal from raw.incremental_ranges where relation = '"
                             ~ model.schema ~ "." ~ model.identifier ~ "' and column_name = '" ~ column ~ "'") -%}
    {%- if rows | length == 0 -%}{{ return(none) }}{%- endif -%}
    {{- return(rows.columns[0].values()[0]) -}}
{%- endmacro %}
