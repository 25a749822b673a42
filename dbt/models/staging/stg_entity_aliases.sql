select
    lower(trim(entity_type)) as entity_type,
    trim(entity_id) as entity_id,
    trim(alias) as alias,
    upper(nullif(trim(ticker), '')) as ticker
from {{ ref('entity_aliases') }}
where nullif(trim(alias), '') is not null
