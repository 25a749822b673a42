-- Headlines that named a detected event's moved companies on the session's date or the next
-- calendar day. "Named" is the news entity matching (int_news_item_entities: the watchlist name and
-- the aliases seed, case- and accent-insensitive on whole words, Vietnamese included).
with moves as (
    select event_id, trade_date, ticker
    from {{ ref('fct_detected_moves') }}
    where not is_benchmark
)

select distinct
    m.event_id,
    m.ticker,
    n.published_at,
    n.publisher as source,
    n.title,
    n.link
from moves as m
inner join {{ ref('int_news_item_entities') }} as e
    on e.entity_type in ('company', 'instrument') and e.entity_id = m.ticker
inner join {{ ref('stg_news_items') }} as n
    on n.item_key = e.item_key
    and n.news_date between m.trade_date and m.trade_date + 1
