"""The event study's normal-return fits and abnormal returns, computed with numpy on a session x ticker
matrix of returns instead of a join of every (event, ticker, day) row of the grid.

Why: at 500 tickers x 145 events the grid from day -250 to day +60 is 22 million rows, and the SQL
models fitted the market model and cut the stored windows from it in separate passes over a view
(int_event_returns joined the returns twice per row): most of the event study's time. Here each event
is one gather of its sessions' rows from the matrix (sessions x the event's tickers), and the sums of
the fit are column sums of that block. The dbt Python models int_market_model,
int_event_window_returns and int_event_horizon_returns call these functions, and the cross-sectional
statistics' models (int_event_rank_means, int_event_est_positive_share and the two residual
correlations) read the cross-section's ARs one event at a time from cross_section_blocks; the
definitions are those of docs/event-study.md (tests/test_event_returns.py checks the arithmetic,
tests/test_event_study.py the marts, against statsmodels).

Conventions shared by the functions: sessions are positions 0 .. S - 1 (session_index - 1); a matrix
holds NaN where a ticker has no row that session (`present` says where it has one: a row can hold a
null return, its first session); ticker position K (one past the last) is a column of NaN, the
benchmark of a pair whose benchmark has no returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MODELS = ("market", "market_adjusted", "constant_mean")
# The ols_residual_sigma macro's rule (shared with the detector): a residual sum of squares at or
# below this share of the total is rounding left by the subtraction, so sigma is exactly 0.
NO_RESIDUAL_SHARE = 1e-10


@dataclass
class Events:
    """Per event (position e): day 0's session position, the estimation window in relative days, the
    model's position in MODELS."""

    day0: np.ndarray
    est_start: np.ndarray
    est_end: np.ndarray
    model: np.ndarray


@dataclass
class Pairs:
    """Per (event, ticker) pair: the event's position, the ticker's and its benchmark's column."""

    event: np.ndarray
    ticker: np.ndarray
    benchmark: np.ndarray


def by_event(pairs: Pairs, n_events: int) -> list[np.ndarray]:
    """The pair positions of each event."""
    order = np.argsort(pairs.event, kind="stable")
    bounds = np.searchsorted(pairs.event[order], np.arange(n_events + 1))
    return [order[bounds[e] : bounds[e + 1]] for e in range(n_events)]


def _rows(day0: int, start: int, end: int, n_sessions: int) -> tuple[np.ndarray, np.ndarray]:
    """Session positions and relative days of [start, end] around day 0 that exist in the calendar."""
    rel = np.arange(start, end + 1)
    pos = day0 + rel
    inside = (pos >= 0) & (pos < n_sessions)
    return pos[inside], rel[inside]


def _stddev_samp(values: np.ndarray, used: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Sample standard deviation of each column over the used rows (NaN below two)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(used, values, 0.0).sum(axis=0) / n
        dev = np.where(used, values - mean, 0.0)
        return np.where(n >= 2, np.sqrt((dev * dev).sum(axis=0) / (n - 1)), np.nan)


def fit(returns: np.ndarray, events: Events, pairs: Pairs) -> dict[str, np.ndarray]:
    """Each pair's normal-return model on its event's estimation window (docs/event-study.md):
    estimation_days (M, the sessions with a return, and a benchmark return unless constant_mean),
    alpha, beta, sigma and sigma_dof. Arrays in pair order; NaN (NULL once in a table) where a
    figure is undefined: M below 2 or 3, or a benchmark without spread (the SQL's regr_slope gave NaN
    there and regr_intercept NULL; both are NULL now)."""
    n_pairs, n_sessions = len(pairs.event), returns.shape[0]
    out = {k: np.full(n_pairs, np.nan) for k in ("alpha", "beta", "sigma")}
    out["estimation_days"] = np.zeros(n_pairs, dtype=np.int64)
    for e, idx in enumerate(by_event(pairs, len(events.day0))):
        if not len(idx):
            continue
        pos, _ = _rows(int(events.day0[e]), int(events.est_start[e]), int(events.est_end[e]), n_sessions)
        block = returns[pos]
        y, x = block[:, pairs.ticker[idx]], block[:, pairs.benchmark[idx]]
        model = MODELS[int(events.model[e])]
        used = ~np.isnan(y) if model == "constant_mean" else ~np.isnan(y) & ~np.isnan(x)
        n = used.sum(axis=0)
        out["estimation_days"][idx] = n
        with np.errstate(invalid="ignore", divide="ignore"):
            if model == "market":
                y_bar = np.where(used, y, 0.0).sum(axis=0) / n
                x_bar = np.where(used, x, 0.0).sum(axis=0) / n
                dy, dx = np.where(used, y - y_bar, 0.0), np.where(used, x - x_bar, 0.0)
                sxx, sxy, syy = (dx * dx).sum(axis=0), (dx * dy).sum(axis=0), (dy * dy).sum(axis=0)
                beta = np.where(sxx > 0, sxy / sxx, np.nan)
                ssr = syy - sxy * sxy / sxx
                sigma = np.where(ssr <= NO_RESIDUAL_SHARE * syy, 0.0, np.sqrt(ssr / (n - 2)))
                out["beta"][idx] = beta
                out["alpha"][idx] = y_bar - beta * x_bar
                out["sigma"][idx] = np.where((n > 2) & (sxx > 0), sigma, np.nan)
            elif model == "market_adjusted":
                out["alpha"][idx], out["beta"][idx] = 0.0, 1.0
                out["sigma"][idx] = _stddev_samp(y - x, used, n)
            else:
                out["alpha"][idx] = np.where(n > 0, np.where(used, y, 0.0).sum(axis=0) / n, np.nan)
                out["beta"][idx] = 0.0
                out["sigma"][idx] = _stddev_samp(y, used, n)
    model_of_pair = events.model[pairs.event]
    out["sigma_dof"] = out["estimation_days"] - np.where(model_of_pair == 0, 2, 1)
    return out


@dataclass
class EventBlock:
    """One event's abnormal returns as a matrix: its day-table rows (those inside the calendar) by
    its pairs, NaN where a figure is missing."""

    event: int  # the event's position
    pair: np.ndarray  # the pairs' positions (columns)
    day: np.ndarray  # the day table's rows (rows of the matrices)
    session: np.ndarray  # their session positions
    ret: np.ndarray  # the ticker's return
    bench: np.ndarray  # the benchmark's return
    ar: np.ndarray  # AR = R - (alpha + beta Rm)


def event_blocks(
    returns: np.ndarray,
    events: Events,
    pairs: Pairs,
    alpha: np.ndarray,
    beta: np.ndarray,
    days: list[np.ndarray],
    day_rel: np.ndarray,
    keep_pair: np.ndarray | None = None,
):
    """Each event's EventBlock, one event at a time (so no more than one event's pairs x days is ever
    held), for the events with a kept pair and a day. days[e] holds the rows of a day table (one row
    per event and session, relative day day_rel) belonging to event e; keep_pair limits the pairs.
    AR = R - (alpha + beta Rm), R - alpha for constant_mean (which needs no benchmark return)."""
    n_sessions = returns.shape[0]
    constant_mean = MODELS.index("constant_mean")
    for e, idx in enumerate(by_event(pairs, len(events.day0))):
        if keep_pair is not None:
            idx = idx[keep_pair[idx]]
        rows = days[e]
        pos = events.day0[e] + day_rel[rows]
        rows, pos = rows[(pos >= 0) & (pos < n_sessions)], pos[(pos >= 0) & (pos < n_sessions)]
        if not len(idx) or not len(rows):
            continue
        block = returns[pos]
        r, rm = block[:, pairs.ticker[idx]], block[:, pairs.benchmark[idx]]
        with np.errstate(invalid="ignore"):
            normal = alpha[idx] if events.model[e] == constant_mean else alpha[idx] + beta[idx] * rm
        yield EventBlock(event=e, pair=idx, day=rows, session=pos, ret=r, bench=rm, ar=r - normal)


ROW_FIELDS = ("pair", "day", "ret", "bench", "ar")


def block_rows(block: EventBlock, present: np.ndarray, pairs: Pairs) -> dict[str, np.ndarray]:
    """One event's (pair, day) rows on which the pair's ticker has a row, pair-major (each pair's days
    in order): the pair's position, the day table's row, the ticker's and the benchmark's return and
    the AR; NaN where a figure is missing."""
    wanted = present[block.session][:, pairs.ticker[block.pair]]
    pair_i, day_i = np.nonzero(wanted.T)
    return {
        "pair": block.pair[pair_i].astype(np.int32),
        "day": block.day[day_i].astype(np.int32),
        "ret": block.ret[day_i, pair_i],
        "bench": block.bench[day_i, pair_i],
        "ar": block.ar[day_i, pair_i],
    }


def no_rows() -> dict[str, np.ndarray]:
    """block_rows' fields with no row."""
    return {k: np.array([], dtype=np.int32 if k in ("pair", "day") else np.float64) for k in ROW_FIELDS}


def joined_rows(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """block_rows dicts as one (no_rows() for none)."""
    return {k: np.concatenate([p[k] for p in parts]) for k in ROW_FIELDS} if parts else no_rows()


def abnormal_days(
    returns: np.ndarray,
    present: np.ndarray,
    events: Events,
    pairs: Pairs,
    alpha: np.ndarray,
    beta: np.ndarray,
    days: list[np.ndarray],
    day_rel: np.ndarray,
) -> dict[str, np.ndarray]:
    """Every event's block_rows, concatenated (event_blocks as rows)."""
    return joined_rows(
        [block_rows(b, present, pairs) for b in event_blocks(returns, events, pairs, alpha, beta, days, day_rel)]
    )


def rows_by_event(day_event: np.ndarray, n_events: int) -> list[np.ndarray]:
    """The rows of a day table (its event positions day_event) belonging to each event."""
    order = np.argsort(day_event, kind="stable")
    bounds = np.searchsorted(day_event[order], np.arange(n_events + 1))
    return [order[bounds[e] : bounds[e + 1]] for e in range(n_events)]


@dataclass
class Study:
    """What the dbt Python models load: the matrices, the events and the pairs, with their names."""

    returns: np.ndarray  # sessions x (tickers + 1): daily return, NaN where none
    present: np.ndarray  # sessions x (tickers + 1): the ticker has a row that session
    events: Events
    event_ids: np.ndarray  # event position -> event_id
    pairs: Pairs
    tickers: np.ndarray  # ticker column -> ticker
    pair_event_ids: np.ndarray  # per pair, its event_id and ticker (to match other relations' rows)
    pair_tickers: np.ndarray

    def pair_mask(self, event_ids, tickers) -> np.ndarray:
        """True for the pairs among the given (event_id, ticker) rows."""
        import pandas as pd

        wanted = pd.MultiIndex.from_arrays([np.asarray(event_ids, dtype=object), np.asarray(tickers, dtype=object)])
        return pd.MultiIndex.from_arrays([self.pair_event_ids, self.pair_tickers]).isin(wanted)

    def pair_positions(self, event_ids, tickers) -> np.ndarray:
        """The pair position of each given (event_id, ticker) row, -1 for a row that is no pair."""
        import pandas as pd

        wanted = pd.MultiIndex.from_arrays([np.asarray(event_ids, dtype=object), np.asarray(tickers, dtype=object)])
        return pd.MultiIndex.from_arrays([self.pair_event_ids, self.pair_tickers]).get_indexer(wanted)

    def event_positions(self, event_ids) -> np.ndarray:
        """The position of each given event_id (every one must be a studied event)."""
        return np.searchsorted(self.event_ids.astype(str), np.asarray(event_ids, dtype=str))


def _filled(column) -> np.ndarray:
    """A fetched numeric column as float64 with NaN for null."""
    return np.ma.filled(np.ma.asarray(column).astype(np.float64), np.nan)


def sub(relation) -> str:
    """A DuckDB relation as a subquery, to name it in SQL."""
    return f"({relation.sql_query()})"


def relation(session, frame, dates: tuple[str, ...] = ()):
    """A model's frame as the relation it returns: categorical columns (codes and labels, so no Python
    string is made per row; DuckDB reads them as ENUMs) cast to text, the `dates` columns to DATE."""
    return _typed(session.from_df(frame), frame, dates)


def _typed(rel, frame, dates: tuple[str, ...]):
    import pandas as pd

    def column(c: str) -> str:
        if isinstance(frame[c].dtype, pd.CategoricalDtype):
            return f"cast({c} as varchar) as {c}"
        return f"cast({c} as date) as {c}" if c in dates else c

    return rel.project(", ".join(column(c) for c in frame.columns))


def load(session, daily_returns, calendar, event_tickers, columns: tuple[str, ...] = ()) -> tuple[Study, dict]:
    """Read int_daily_returns (and `columns` of it as further matrices), int_event_calendar and
    int_event_tickers (relations) into a Study. Positions are numbered by DuckDB, so no Python string
    is made per row."""
    ticker_cols = session.sql(
        "select ticker, cast(row_number() over (order by ticker) - 1 as integer) as k "
        f"from (select distinct ticker from {sub(daily_returns)})"
    )
    extra = "".join(f", r.{c}" for c in columns)
    cells = session.sql(
        f"select t.k, cast(r.session_index - 1 as integer) as s, r.daily_return{extra} "
        f"from {sub(daily_returns)} as r inner join {sub(ticker_cols)} as t using (ticker)"
    ).fetchnumpy()
    ev = session.sql(
        "select event_id, cast(day0_index - 1 as integer) as day0, estimation_start, estimation_end, "
        "case model when 'market' then 0 when 'market_adjusted' then 1 else 2 end as model "
        f"from {sub(calendar)} order by event_id"
    ).fetchnumpy()
    numbered = session.sql(
        f"select event_id, cast(row_number() over (order by event_id) - 1 as integer) as e from {sub(calendar)}"
    )
    n_tickers = session.sql(f"select count(*) from {sub(ticker_cols)}").fetchone()[0]
    pairs = session.sql(
        f"select p.event_id, p.ticker, n.e, t.k, coalesce(b.k, {n_tickers}) as b "
        f"from {sub(event_tickers)} as p "
        f"inner join {sub(numbered)} as n using (event_id) "
        f"inner join {sub(ticker_cols)} as t on t.ticker = p.ticker "
        f"left join {sub(ticker_cols)} as b on b.ticker = p.benchmark "
        "order by p.event_id, p.ticker"
    ).fetchnumpy()
    names = session.sql(f"select ticker from {sub(ticker_cols)} order by k").fetchnumpy()["ticker"]
    k, s = np.asarray(cells["k"]), np.asarray(cells["s"])
    day0 = np.asarray(ev["day0"], dtype=np.int64)
    n_sessions = int(max(s.max(initial=-1), day0.max(initial=-1))) + 1
    shape = (n_sessions, n_tickers + 1)  # the last column: no benchmark returns
    returns, present = np.full(shape, np.nan), np.zeros(shape, dtype=bool)
    returns[s, k], present[s, k] = _filled(cells["daily_return"]), True
    matrices = {}
    for c in columns:
        matrices[c] = np.full(shape, np.nan)
        matrices[c][s, k] = _filled(cells[c])
    study = Study(
        returns=returns,
        present=present,
        events=Events(
            day0=day0,
            est_start=np.asarray(ev["estimation_start"], dtype=np.int64),
            est_end=np.asarray(ev["estimation_end"], dtype=np.int64),
            model=np.asarray(ev["model"], dtype=np.int64),
        ),
        event_ids=np.asarray(ev["event_id"], dtype=object),
        pairs=Pairs(
            event=np.asarray(pairs["e"], dtype=np.int64),
            ticker=np.asarray(pairs["k"], dtype=np.int64),
            benchmark=np.asarray(pairs["b"], dtype=np.int64),
        ),
        tickers=np.asarray(names, dtype=object),
        pair_event_ids=np.asarray(pairs["event_id"], dtype=object),
        pair_tickers=np.asarray(pairs["ticker"], dtype=object),
    )
    return study, matrices


def pair_values(study: Study, rows: dict, columns: tuple[str, ...]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Columns of fetched (event_id, ticker) rows (int_market_model's) by pair position, NaN for a
    pair without a row; and each pair's model code (-1 without a row)."""
    at = study.pair_positions(rows["event_id"], rows["ticker"])
    n = len(study.pairs.event)
    out = {c: np.full(n, np.nan) for c in columns}
    for c in columns:
        out[c][at] = _filled(rows[c])
    model = np.full(n, -1)
    model[at] = [MODELS.index(m) for m in rows["model"]]
    return out, model


def _day_table_and_fit(session, study: Study, event_days, market_model, where: str):
    """The rows of int_event_days (relation event_days) matching `where`, as fetched (event_id,
    relative_day, trade_date and the window flags), with their relative days and their rows by
    event; each pair's int_market_model fit (relation market_model) by pair position, and its model
    code."""
    days = session.sql(
        "select event_id, relative_day, trade_date, in_estimation, in_window, in_horizon "
        f"from {sub(event_days)} where {where} order by event_id, relative_day"
    ).fetchnumpy()
    fits = session.sql(
        f"select event_id, ticker, model, alpha, beta, sigma, sigma_dof, estimation_days from {sub(market_model)}"
    ).fetchnumpy()
    fit, model = pair_values(study, fits, ("alpha", "beta", "sigma", "sigma_dof", "estimation_days"))
    day_rel = np.asarray(days["relative_day"], dtype=np.int64)
    by_day_event = rows_by_event(study.event_positions(days["event_id"]), len(study.event_ids))
    return days, day_rel, by_day_event, fit, model


def event_day_rows(session, study: Study, event_days, market_model, where: str):
    """block_rows over the rows of int_event_days (relation event_days) matching `where`, with each
    pair's int_market_model fit (relation market_model), one event at a time. Returns (the day table
    as fetched: event_id, relative_day, trade_date and the window flags; an iterator of each event's
    rows). Everything is read from the session before the iterator is returned: DuckDB consumes it
    while it writes the model's table (stream), when the connection is busy."""
    days, day_rel, by_day_event, fit, _ = _day_table_and_fit(session, study, event_days, market_model, where)
    blocks = event_blocks(study.returns, study.events, study.pairs, fit["alpha"], fit["beta"], by_day_event, day_rel)
    return days, (block_rows(b, study.present, study.pairs) for b in blocks)


STREAM_ROWS = 500_000  # rows per batch: events are joined up to it (a batch per event cost 2x at 145 events)


def _chunks(rows):
    """block_rows dicts joined into chunks of at least STREAM_ROWS rows (the last one may be smaller)."""
    held, n = [], 0
    for r in rows:
        held.append(r)
        n += len(r["pair"])
        if n >= STREAM_ROWS:
            yield joined_rows(held)
            held, n = [], 0
    if held:
        yield joined_rows(held)


def stream(session, frame_of, rows, dates: tuple[str, ...] = ()):
    """A model's rows as the relation it returns, one event's frame (frame_of(rows dict)) at a time:
    DuckDB writes each batch as it comes, so the whole table is never a frame in memory (113 million
    rows of int_event_horizon_returns at 10 million price rows and 800 detected events). Columns as
    relation() casts them."""
    import pyarrow as pa

    empty = frame_of(no_rows())
    schema = pa.Schema.from_pandas(empty, preserve_index=False)
    batches = (pa.RecordBatch.from_pandas(frame_of(r), schema=schema, preserve_index=False) for r in _chunks(rows))
    return _typed(session.from_arrow(pa.RecordBatchReader.from_batches(schema, batches)), empty, dates)


def cross_section_blocks(session, study: Study, event_days, market_model, cross_section, where: str):
    """The abnormal returns of the cross-section's pairs (int_event_cross_section's rows without a
    caar_exclusion_reason) on the days of int_event_days matching `where`, one EventBlock per event:
    what the rank, sign and correlation tests read (aftershock/event_statistics.py). Each block's
    matrix is one event's pairs x days, so the 18 million (pair, day) residuals of 500 tickers x 145
    events are never held, nor written, at once. Returns (the day table's relative days, the blocks)."""
    kept = session.sql(f"select event_id, ticker from {sub(cross_section)} where caar_exclusion_reason is null")
    kept = kept.fetchnumpy()
    in_sample = study.pair_mask(kept["event_id"], kept["ticker"])
    _, day_rel, by_day_event, fit, _ = _day_table_and_fit(session, study, event_days, market_model, where)
    blocks = event_blocks(
        study.returns, study.events, study.pairs, fit["alpha"], fit["beta"], by_day_event, day_rel, keep_pair=in_sample
    )
    return day_rel, blocks
