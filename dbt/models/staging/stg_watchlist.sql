select
    upper(trim(ticker)) as ticker,
    company,
    sector,
    coalesce(nullif(trim(benchmark), ''), '{{ var("default_benchmark") }}') as benchmark,
    coalesce(nullif(trim(asset_type), ''), 'stock') as asset_type
from {{ ref('watchlist') }}
