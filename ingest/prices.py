"""Daily prices: the two pandas file readers (long CSV/Parquet, Yahoo export).

Their frames are judged by the price rules of `ingest.prices_fast` (RULES, in SQL: `prices_fast.split`),
which also lands a long CSV in one DuckDB pass. The live client (yfinance) lives in `ingest.prices_live`
and produces the same frame.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from ingest import validate as v
from ingest.errors import SourceUnreadable
from ingest.schemas import PRICES

if TYPE_CHECKING:
    import pandas as pd  # imported where used: the DuckDB landing of a CSV needs none of it

LONG_COLUMNS = list(PRICES)  # date,ticker,open,high,low,close,adj_close,volume
YAHOO_COLUMNS = ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"]

NUMERIC = ["open", "high", "low", "close", "adj_close", "volume"]


def file_batch_id(path: Path, kind: str, ticker: str | None = None) -> str:
    """Same file path (and ticker) -> same batch, so re-ingesting a file replaces its earlier landing.

    The id says what was landed: the source, the ticker a Yahoo export was landed as, and a full
    digest of both with the path, so the same export landed as NVDA and as AMD are two batches, and
    two long stems in two folders never meet (the readable parts are cut, never the digest).
    """
    ticker = ticker.upper() if ticker else None
    digest = hashlib.sha256("\0".join([kind, ticker or "", str(path.resolve())]).encode()).hexdigest()
    who = f"{kind}-{ticker[:16]}" if ticker else kind
    return f"file-{who}-{path.stem[:48]}-{digest}"


def _sniff_text(path: Path) -> None:
    """Name the usual ways a 'CSV' is not one, before pandas gives a confusing parse error."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    why = None
    if not head.strip():
        why = "the file is empty"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        why = "not UTF-8 text (UTF-16 or binary data); save it as UTF-8"
    elif head.lstrip().startswith(b"<"):
        why = "an HTML/XML document, not CSV (an error page saved as data?)"
    else:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a multi-byte character cut at the 4 KiB edge is fine
                why = f"not UTF-8 text (byte {exc.start}); save it as UTF-8"
    if why:
        raise SourceUnreadable(f"{path}: cannot be read as CSV: {why}")


def check_file(path: Path) -> None:
    if path.is_dir():
        raise SourceUnreadable(f"{path}: is a directory; give --path one file")
    if not path.is_file():
        raise SourceUnreadable(f"{path}: no such file")


def _read_table(path: Path) -> pd.DataFrame:
    import pandas as pd

    check_file(path)
    parquet = path.suffix.lower() == ".parquet"
    if not parquet:
        _sniff_text(path)
    try:
        if parquet:
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except Exception as exc:  # pandas raises many kinds; the user needs the file name
        raise SourceUnreadable(f"{path}: cannot be read as {path.suffix.lstrip('.') or 'CSV'}: {exc}") from exc


def coerce(df: pd.DataFrame) -> pd.DataFrame:
    """Parse types without dropping anything: unparseable values become NA and fail a check
    (the values as read are kept beside them for that check and for the quarantine)."""
    out = v.keep_raw(df, LONG_COLUMNS)
    out["date"] = v.to_dates(out["date"], "date")
    out["ticker"] = out["ticker"].astype("string").str.strip().str.upper()
    for col in NUMERIC:
        out[col] = v.to_number(out[col])
    return out


def _coerce_file(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    try:
        return coerce(df[LONG_COLUMNS])
    except SourceUnreadable as exc:
        raise SourceUnreadable(f"{path}: {exc}") from None


def read_long(path: Path) -> pd.DataFrame:
    df = _read_table(path)
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in LONG_COLUMNS if c not in df.columns and c != "adj_close"]
    if missing:
        raise SourceUnreadable(
            f"{path}: missing columns {missing}; expected {','.join(LONG_COLUMNS)}"
            " (or a Yahoo export Date,Open,High,Low,Close,Adj Close,Volume with --ticker)"
        )
    if "adj_close" not in df.columns:
        df["adj_close"] = None
    return _coerce_file(df, path)


def read_yahoo_export(path: Path, ticker: str) -> pd.DataFrame:
    df = _read_table(path)
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in YAHOO_COLUMNS if c not in df.columns and c != "Adj Close"]
    if missing:
        raise SourceUnreadable(f"{path}: missing Yahoo export columns {missing}")
    if "Adj Close" not in df.columns:
        df["Adj Close"] = None
    df = df.rename(
        columns={
            "Date": "date",
            "Open": "open",
            "High": "high",
            "Low": "low",
            "Close": "close",
            "Adj Close": "adj_close",
            "Volume": "volume",
        }
    )
    df["ticker"] = ticker
    return _coerce_file(df, path)


def read_file(path: Path, ticker: str | None = None) -> pd.DataFrame:
    """A long file, or with `ticker` a per-ticker Yahoo export."""
    if ticker:
        return read_yahoo_export(path, ticker.upper())
    head = _read_table(path)
    if "Date" in head.columns and "ticker" not in [c.lower() for c in head.columns]:
        raise SourceUnreadable(f"{path}: looks like a Yahoo export; pass --ticker to say whose prices it holds")
    return read_long(path)


def restrict_dates(df: pd.DataFrame, start: str | None, end: str | None) -> pd.DataFrame:
    import pandas as pd

    if start:
        df = df[df["date"].isna() | (df["date"] >= pd.Timestamp(start))]
    if end:
        df = df[df["date"].isna() | (df["date"] <= pd.Timestamp(end))]
    return df
