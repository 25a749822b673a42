"""The normal-return model per event x ticker, fitted on the estimation window (MacKinlay 1997):
  market           R = alpha + beta Rm, OLS; sigma with M - 2 degrees of freedom, exactly 0 when the
                   residual sum of squares is at most 1e-10 of the total (the ols_residual_sigma rule)
  market_adjusted  alpha = 0, beta = 1; sigma = sample std of R - Rm (M - 1 dof)
  constant_mean    alpha = mean R, beta = 0; sigma = sample std of R (M - 1 dof)
M counts the estimation sessions with a return (and a benchmark return, except for constant mean);
a pair with none has no row.

Why numpy (aftershock/event_returns.py): the sums of the fit are column sums of each event's block of
a session x ticker matrix of returns. The SQL fitted it over a view joining every (event, ticker,
estimation day) to the returns twice, 17 million rows at 500 tickers x 145 events.
"""

import pandas as pd

from aftershock import event_returns


def model(dbt, session):
    dbt.config(materialized="table")
    study, _ = event_returns.load(
        session, dbt.ref("int_daily_returns"), dbt.ref("int_event_calendar"), dbt.ref("int_event_tickers")
    )
    fits = event_returns.fit(study.returns, study.events, study.pairs)
    pairs = study.pairs
    kept = fits["estimation_days"] > 0
    models = pd.Categorical.from_codes(study.events.model[pairs.event], event_returns.MODELS)
    out = pd.DataFrame(
        {
            "event_id": pd.Categorical.from_codes(pairs.event, study.event_ids),
            "ticker": pd.Categorical.from_codes(pairs.ticker, study.tickers),
            "model": models,
            "estimation_days": fits["estimation_days"],
            "alpha": fits["alpha"],  # NaN -> NULL when DuckDB reads the frame
            "beta": fits["beta"],
            "sigma": fits["sigma"],
            "sigma_dof": fits["sigma_dof"],
        }
    )[kept]
    return event_returns.relation(session, out)
