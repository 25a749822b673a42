-- Everything the news matcher looks for: watchlist companies and instruments, people and event
-- keywords, each alias with its match form. ticker links an entity to the events studying that
-- ticker; event_id scopes a keyword to the events listing it.
with watchlist as (
    select
        case when asset_type = 'stock' then 'company' else 'instrument' end as entity_type,
        ticker as entity_id,
        -- "Alphabet (class A)" is written "Alphabet" in news (and GOOG/GOOGL then show as one name)
        trim(regexp_replace(company, '\s*\([^)]*\)', '', 'g')) as entity_name,
        trim(regexp_replace(company, '\s*\([^)]*\)', '', 'g')) as alias,
        ticker,
        cast(null as varchar) as event_id
    from {{ ref('stg_watchlist') }}
),

seeded as (
    select
        a.entity_type,
        a.entity_id,
        -- a person's name is spelt from the slug (jensen-huang -> Jensen Huang), not picked among aliases
        coalesce(
            trim(regexp_replace(w.company, '\s*\([^)]*\)', '', 'g')),
            case when a.entity_type = 'person' then array_to_string(
                list_transform(string_split(a.entity_id, '-'), w -> upper(w[1]) || w[2:]), ' ') end,
            a.entity_id
        ) as entity_name,
        a.alias,
        a.ticker,
        cast(null as varchar) as event_id
    from {{ ref('stg_entity_aliases') }} as a
    left join {{ ref('stg_watchlist') }} as w
        on a.entity_type in ('company', 'instrument') and w.ticker = a.entity_id
    where a.entity_type in ('company', 'instrument', 'person')
),

keywords as (
    select
        'keyword' as entity_type,
        lower(trim(k.keyword)) as entity_id,
        trim(k.keyword) as entity_name,
        trim(k.keyword) as alias,
        cast(null as varchar) as ticker,
        e.event_id
    from {{ ref('stg_events') }} as e,
        unnest(e.keywords) as k(keyword)
    where nullif(trim(k.keyword), '') is not null
),

keyword_aliases as (
    select
        'keyword' as entity_type,
        k.entity_id,
        k.entity_name,
        a.alias,
        cast(null as varchar) as ticker,
        k.event_id
    from {{ ref('stg_entity_aliases') }} as a
    inner join keywords as k on a.entity_type = 'keyword' and lower(a.entity_id) = k.entity_id
),

all_aliases as (
    select * from watchlist
    union
    select * from seeded
    union
    select * from keywords
    union
    select * from keyword_aliases
)

select
    entity_type,
    entity_id,
    entity_name,
    alias,
    ticker,
    event_id
from all_aliases
where length(trim({{ match_text('alias') }})) > 0
