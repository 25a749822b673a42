-- The cross-sectional sample's abnormal returns: stocks only (asset_type = 'stock') with a fitted
-- model, on the estimation window and the event window. The rank test and the cross-correlation
-- adjustment read from here.
select
    a.event_id,
    a.ticker,
    a.relative_day,
    a.in_estimation,
    a.in_window,
    a.abnormal_return
from {{ ref('int_event_abnormal_returns') }} as a
inner join {{ ref('int_event_tickers') }} as t using (event_id, ticker)
where t.asset_type = 'stock'
  and a.sigma > 0
  and a.abnormal_return is not null
  and (a.in_estimation or a.in_window)
