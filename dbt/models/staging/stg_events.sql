select
    event_id,
    event_date,
    title,
    coalesce(string_split(nullif(trim(keywords), ''), '|'), []::varchar[]) as keywords,
    case when nullif(trim(tickers), '') is not null
         then list_transform(string_split(tickers, '|'), t -> upper(trim(t))) end as tickers,
    'curated' as origin
from {{ ref('events') }}
