-- requires: stg_news_items
-- Headlines that named a detected event's moved companies on the session's date or the next
-- calendar day. A company is named by its short name as a whole word, case-insensitive (the watchlist
-- name without a parenthesised share class or a trailing Technology, Holdings, Platforms, Computer,
-- Manufacturing, Inc or Corporation: "Marvell", "Meta", "Taiwan Semiconductor"), or by its ticker.
with moves as (
    select
        event_id,
        trade_date,
        ticker,
        trim(regexp_replace(
            regexp_replace(company, '\s*\(.*\)', ''),
            '(\s+(Technology|Technologies|Holdings|Holding|Platforms|Computer|Manufacturing|Inc\.?|Corp\.?|Corporation))+$',
            '')) as company_name
    from {{ ref('fct_detected_moves') }}
    where not is_benchmark
),

names as (
    -- only letters, digits, spaces and & survive, so the name is a literal inside the pattern
    select *, regexp_replace(company_name, '[^A-Za-z0-9 &]', '', 'g') as pattern_name
    from moves
)

select distinct
    m.event_id,
    m.ticker,
    cast(n.published_at as timestamp with time zone) as published_at,
    cast(n.source as varchar) as source,
    cast(n.title as varchar) as title,
    cast(n.link as varchar) as link
from names as m
inner join {{ ref('stg_news_items') }} as n
    on cast(n.published_at as date) between m.trade_date and m.trade_date + 1
    and (regexp_matches(n.title, '(?i)\b' || m.pattern_name || '\b')
         or regexp_matches(n.title, '\b' || regexp_replace(m.ticker, '[^A-Z0-9.]', '', 'g') || '\b'))
