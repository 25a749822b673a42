-- Curated events. The study settings (estimation window, normal-return model, benchmark) are
-- optional seed columns: an events file without them, or with them empty, gets the defaults.
{%- set optional = ['estimation_start', 'estimation_end', 'model', 'benchmark'] %}
{%- set present = [] %}
{%- if execute %}
    {%- for col in adapter.get_columns_in_relation(ref('events')) %}
        {%- do present.append(col.name | lower) %}
    {%- endfor %}
{%- endif %}
select
    event_id,
    event_date,
    title,
    coalesce(string_split(nullif(trim(keywords), ''), '|'), []::varchar[]) as keywords,
    case when nullif(trim(tickers), '') is not null
         then list_transform(string_split(tickers, '|'), t -> upper(trim(t))) end as tickers,
    {% if 'estimation_start' in present -%}
    coalesce(try_cast(nullif(trim(cast(estimation_start as varchar)), '') as integer), {{ var('estimation_start') }})
    {%- else %}{{ var('estimation_start') }}{% endif %} as estimation_start,
    {% if 'estimation_end' in present -%}
    coalesce(try_cast(nullif(trim(cast(estimation_end as varchar)), '') as integer), {{ var('estimation_end') }})
    {%- else %}{{ var('estimation_end') }}{% endif %} as estimation_end,
    {% if 'model' in present -%}
    coalesce(nullif(lower(trim(cast(model as varchar))), ''), '{{ var("default_model") }}')
    {%- else %}'{{ var("default_model") }}'{% endif %} as model,
    {% if 'benchmark' in present -%}
    nullif(upper(trim(cast(benchmark as varchar))), '')
    {%- else %}cast(null as varchar){% endif %} as benchmark_override,
    'curated' as origin
from {{ ref('events') }}
