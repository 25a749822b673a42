-- One row per feed (every seeded feed, and any feed polled from a file or an override URL):
-- last success, last error and items per poll.
with polls as (
    select * from {{ ref('stg_feed_polls') }}
),

per_feed as (
    select
        feed_id,
        arg_max(url, polled_at) as polled_url,
        count(*) as polls,
        count(*) filter (where status = 'failed') as failed_polls,
        max(polled_at) as last_polled_at,
        arg_max(status, polled_at) as last_status,
        max(polled_at) filter (where status <> 'failed') as last_success_at,
        max(polled_at) filter (where status = 'failed') as last_error_at,
        arg_max(error, polled_at) filter (where status = 'failed') as last_error,
        arg_max(items, polled_at) as items_last_poll,
        avg(items) filter (where status in ('ok', 'partial')) as avg_items_per_poll
    from polls
    group by feed_id
),

items as (
    select feed_id, count(*) as items_total
    from (select unnest(feed_ids) as feed_id from {{ ref('stg_news_items') }})
    group by feed_id
)

select
    coalesce(f.feed_id, p.feed_id) as feed_id,
    coalesce(f.url, p.polled_url) as url,
    f.publisher,
    f.language,
    f.feed_id is not null as in_seed,
    coalesce(p.polls, 0) as polls,
    coalesce(p.failed_polls, 0) as failed_polls,
    p.last_polled_at,
    p.last_status,
    p.last_success_at,
    p.last_error_at,
    p.last_error,
    p.items_last_poll,
    p.avg_items_per_poll,
    coalesce(it.items_total, 0) as items_total
from {{ ref('stg_feeds') }} as f
full outer join per_feed as p on p.feed_id = f.feed_id
left join items as it on it.feed_id = coalesce(f.feed_id, p.feed_id)
