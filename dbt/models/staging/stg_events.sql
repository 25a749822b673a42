-- Curated events. The study settings (estimation window, normal-return model, benchmark, CAR
-- windows) are optional seed columns: an events file without them, or with them empty, gets the
-- defaults. car_windows is "start:end" pairs separated by '|' (checked when the file is read,
-- aftershock.config.car_windows_problem).
{%- set optional = ['estimation_start', 'estimation_end', 'model', 'benchmark', 'car_windows'] %}
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
    {% if 'car_windows' in present -%}
    case when nullif(trim(cast(car_windows as varchar)), '') is not null then
        list_transform(
            list_filter(string_split(cast(car_windows as varchar), '|'), w -> trim(w) <> ''),
            w -> {
                'window_start': cast(trim(split_part(w, ':', 1)) as integer),
                'window_end': cast(trim(split_part(w, ':', 2)) as integer)
            }
        ) end
    {%- else %}cast(null as struct(window_start integer, window_end integer)[]){% endif %} as car_windows,
    'curated' as origin
from {{ ref('events') }}
