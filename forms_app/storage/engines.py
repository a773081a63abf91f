"""Which engine holds the case tables: the one place the store is chosen.

The data package in the data directory is the default. A database URL (``store_url`` in the
settings, or ``FORMS_APP_STORE_URL``, which wins so a password need not be in the settings file)
of the form ``postgresql://user@host/database`` puts the case tables in PostgreSQL; the data
directory still holds the cases' files and everything else the service keeps on disk.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from .store import Store

URL_VARIABLE = "FORMS_APP_STORE_URL"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def store_url(configured: str | None) -> str:
    """The URL in force: the environment's, else the settings', else "" (the data package)."""
    return (os.environ.get(URL_VARIABLE) or configured or "").strip()


def open_store(data_dir: Path, tables: Mapping[str, Sequence[str]], url: str | None = None):
    """The store for these tables: ``Store`` on ``data_dir``, or ``PostgresStore`` at ``url``."""
    url = store_url(url)
    if not url:
        return Store(data_dir, tables)
    if url.startswith(POSTGRES_SCHEMES):
        # Imported only when chosen: the data package needs no database client.
        from .postgres import PostgresStore

        return PostgresStore(url, data_dir, tables)
    scheme = url.split(":", 1)[0]
    raise ValueError(f"store_url: unknown engine {scheme!r} (use postgresql://...)")
