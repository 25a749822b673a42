-- requires: stg_news_items
-- Headlines that named a detected event's moved companies (company name without its parenthesised
-- share class, or the ticker as a word) on the session's date or the next calendar day.
with moves as (
    select
        event_id,
        trade_date,
        ticker,
        trim(regexp_replace(company, '\s*\(.*\)', '')) as company_name
    from {{ ref('fct_detected_moves') }}
    where not is_benchmark
)

select distinct
    m.event_id,
    m.ticker,
    cast(n.published_at as timestamp with time zone) as published_at,
    cast(n.source as varchar) as source,
    cast(n.title as varchar) as title,
    cast(n.link as varchar) as link
from moves as m
inner join {{ ref('stg_news_items') }} as n
    on cast(n.published_at as date) between m.trade_date and m.trade_date + 1
    and (contains(lower(n.title), lower(m.company_name))
         or regexp_matches(n.title, '\b' || replace(m.ticker, '^', '\^') || '\b'))
