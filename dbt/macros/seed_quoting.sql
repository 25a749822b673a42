{#-
  dbt-duckdb's fast seed load, with the seed file's path quoted: the adapter's own macro pastes the
  path into COPY ... FROM '<path>' as is, and the project is copied under AFTERSHOCK_DATA_DIR, which
  may hold a quote (issue 14). Same statement otherwise; dispatch picks the root project's macro first.
-#}
{% macro duckdb__load_csv_rows(model, agate_table) %}
    {% if config.get('fast', true) %}
        {% set seed_file_path = adapter.get_seed_file_path(model) %}
        {% set delimiter = config.get('delimiter', ',') %}
        {% set sql %}
          COPY {{ this.render() }} FROM '{{ seed_file_path | replace("'", "''") }}' (FORMAT CSV, HEADER TRUE, DELIMITER '{{ delimiter | replace("'", "''") }}')
        {% endset %}
        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {{ return(sql) }}
    {% endif %}
    {{ return(dbt.default__load_csv_rows(model, agate_table)) }}
{% endmacro %}
