"""Which data directories keep their shared state in a database, for code that is handed only
a data directory (the audit log, the outboxes, retention and erasure).

The app's parts are built once per process from the settings; when the settings name a
database (``store_url``), ``use_database`` records it here for that data directory, and each
of those modules asks ``database_for`` before choosing its files or the database. Nothing here
connects to anything, so the files engine never needs a database client.
"""

from __future__ import annotations

from pathlib import Path

#: Resolved data directory -> database URL.
_DATABASES: dict[str, str] = {}


def use_database(data_dir: Path | str, url: str) -> None:
    """Keep the shared state of ``data_dir`` in the database at ``url`` ("" for the files)."""
    key = str(Path(data_dir).resolve())
    if url:
        _DATABASES[key] = url
    else:
        _DATABASES.pop(key, None)


def database_for(data_dir: Path | str) -> str:
    """The database holding the shared state of ``data_dir``, or "" for its files."""
    if not _DATABASES:
        return ""
    return _DATABASES.get(str(Path(data_dir).resolve()), "")
