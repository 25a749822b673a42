{#-
  The lake batch files this build reads of one source (raw.lake_batches; on an incremental run only
  those it has not consumed, every one on a full build), checked before any model reads them. A file
  must have each column the source declares (_lake__sources.yml), of its type, at least one row, and
  lineage naming itself: _source the source, _batch_id the file's own batch, _ingested_at given. A file
  that did not land through `aftershock ingest` (copied by hand, renamed, another batch's copy) fails here,
  by name; the row rules themselves are ingest's (a file that lands through it passed them).
  One row per (file, problem), with the rows it concerns and the key of the first.
-#}
{% test lake_batch_files(model, source_table, key) %}
{%- set batches = lake_batches(source_table, new_only=true) if execute else [] -%}
{%- set node = graph.sources['source.aftershock.lake.' ~ source_table] if execute else none -%}
{%- if batches | length == 0 %}
select null::varchar as file, null::varchar as problem, 0 as n_rows, null::varchar as first_row where false
{%- else %}
with batches (path, batch_id) as (
    values {% for b in batches %}({{ sql_string(b[0]) }}, {{ sql_string(b[1]) }}){{ ", " if not loop.last }}{% endfor %}
),

declared (column_name, data_type) as (
    values {% for name, col in node.columns.items() %}({{ sql_string(name) }}, {{ sql_string(col.data_type) }}){{ ", " if not loop.last }}{% endfor %}
),

-- The Parquet types a declared column may be read back as (whole numbers written as integers are fine).
families (data_type, column_type) as (
    values ('double', 'FLOAT'), ('double', 'BIGINT'), ('double', 'INTEGER'), ('double', 'DECIMAL'),
        ('bigint', 'INTEGER'), ('bigint', 'SMALLINT'), ('bigint', 'TINYINT'), ('bigint', 'HUGEINT'),
        ('bigint', 'UBIGINT'), ('bigint', 'UINTEGER'),
        ('timestamp', 'TIMESTAMP_S'), ('timestamp', 'TIMESTAMP_MS'), ('timestamp', 'TIMESTAMP_NS'), ('timestamp', 'DATE')
),

schemas as (
    {%- for b in batches %}
    select {{ sql_string(b[0]) }} as path, column_name, regexp_replace(column_type, '\(.*\)$', '') as column_type
    from (describe select * from read_parquet({{ sql_string(b[0]) }})){{ " union all" if not loop.last }}
    {%- endfor %}
),

data_rows as (
    select * from (
        select
        {%- for name, col in node.columns.items() %}
            cast(null as {{ col.data_type }}) as {{ name }},
        {%- endfor %}
            null::varchar as filename
        where false
    )
    union all by name
    select * from read_parquet([{%- for b in batches -%}{{ sql_string(b[0]) }}{{ ", " if not loop.last }}{%- endfor -%}], filename = true, union_by_name = true)
),

judged as (
    select
        r.filename as path,
        case
            when r._source is distinct from {{ sql_string(source_table) }}
                then '_source is ' || coalesce('''' || r._source || '''', 'null') || ', not ''{{ source_table }}'''
            when r._batch_id is distinct from b.batch_id
                then '_batch_id is ' || coalesce('''' || r._batch_id || '''', 'null') || ', not the file''s batch ''' || b.batch_id || ''''
            when r._ingested_at is null then '_ingested_at is null'
        end as problem,
        {% for k in key %}coalesce(cast(r.{{ k }} as varchar), 'null'){{ " || ' ' || " if not loop.last }}{% endfor %} as row_key
    from data_rows as r
    inner join batches as b on r.filename = b.path
)

select b.path as file, 'has no column ' || d.column_name as problem, 1 as n_rows, null as first_row
from batches as b
cross join declared as d
where not exists (select 1 from schemas as s where s.path = b.path and s.column_name = d.column_name)

union all

select s.path, 'column ' || s.column_name || ' is ' || s.column_type || ', not ' || d.data_type, 1, null
from schemas as s
inner join declared as d on s.column_name = d.column_name
where s.column_type <> upper(d.data_type)
    and not exists (select 1 from families as f where f.data_type = d.data_type and f.column_type = s.column_type)

union all

select b.path, 'has no rows', 1, null
from batches as b
where not exists (select 1 from data_rows as r where r.filename = b.path)

union all

select path, problem, count(*), min(row_key)
from judged
where problem is not null
group by path, problem
{%- endif %}
{% endtest %}
