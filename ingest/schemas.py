"""The normalised batch schema of each lake source.

A schema is an ordered mapping of column name to the pandas dtype the landed Parquet
file carries. Lineage columns are added by the landing writer to every source.
"""

from __future__ import annotations

LINEAGE = {"_source": "string", "_batch_id": "string", "_ingested_at": "datetime64[us, UTC]"}

PRICES = {
    "date": "datetime64[s]",
    "ticker": "string",
    "open": "float64",
    "high": "float64",
    "low": "float64",
    "close": "float64",
    "adj_close": "float64",
    "volume": "float64",
}

SHARES = {
    "ticker": "string",
    "as_of_date": "datetime64[s]",
    "shares_outstanding": "float64",
}

SCHEMAS: dict[str, dict[str, str]] = {"prices": PRICES, "shares": SHARES}


def register(source: str, schema: dict[str, str]) -> None:
    """Let a source module declare its schema next to its reader."""
    SCHEMAS[source] = schema
