-- Holdings from the people seed. Tickers are Yahoo symbols so they join the prices; a tranche with
-- an exercise price is a stock option (its value moves with the stock only above the strike).
select
    lower(trim(person_uri)) as person_uri,
    trim(person_name) as person_name,
    upper(trim(ticker)) as ticker,
    cast(shares_held as double) as shares_held,
    coalesce(exercise_price, 0) as exercise_price,
    exercise_price is not null as is_option,
    source,
    as_of_date
from {{ ref('people') }}
