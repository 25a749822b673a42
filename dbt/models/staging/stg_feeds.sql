select
    trim(feed_id) as feed_id,
    trim(url) as url,
    lower(nullif(trim(language), '')) as language,
    upper(nullif(trim(country), '')) as country,
    nullif(trim(publisher), '') as publisher
from {{ ref('feeds') }}
