"""Where things live. Everything sits under one data directory, AFTERSHOCK_DATA_DIR (default ./data)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("AFTERSHOCK_DATA_DIR", "data")).resolve()


def lake_dir() -> Path:
    return data_dir() / "lake"


def raw_dir(source: str) -> Path:
    return lake_dir() / "raw" / source


def quarantine_dir(source: str) -> Path:
    return lake_dir() / "quarantine" / source


def state_dir() -> Path:
    """Small per-source state kept by collectors (ETags, last snapshot dates)."""
    return data_dir() / "state"


def warehouse_path() -> Path:
    return data_dir() / "warehouse" / "aftershock.duckdb"


def site_dir() -> Path:
    return data_dir() / "site"
