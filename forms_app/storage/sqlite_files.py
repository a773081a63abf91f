"""Small SQLite files kept beside the data: the sheet's and the messages' outboxes and the
tracking page's codes. Each is private to the service (0600, in a 0700 folder), writes ahead
to a log (WAL) so readers never wait for a writer, and syncs every commit to the disk, so
what a caller has been told is stored survives a crash or a power cut."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

#: How long opening a file waits for another process holding it (SQLite's busy timeout too).
BUSY_SECONDS = 30


def open_durable(path: Path, schema: str) -> sqlite3.Connection:
    """The database at ``path``, made (with ``schema``) if new; autocommit, so each write is
    its own transaction unless wrapped in ``Transaction``."""
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        # Made private before SQLite opens it: SQLite would make it with the process's umask.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_SECONDS)
    _write_ahead(db)
    db.execute("PRAGMA synchronous=FULL")
    db.executescript(schema)
    return db


def _write_ahead(db: sqlite3.Connection) -> None:
    """Switch ``db`` to write-ahead logging. On a new file this takes SQLite's exclusive lock,
    and a process that finds another process switching it at the same moment (gunicorn's
    workers starting together on a new data directory) is told "database is locked" at once,
    without SQLite's busy wait: so it tries again until the other has finished."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class Transaction:
    """``with Transaction(db):`` one write transaction, taking the write lock at its start
    (so two writers never both read, then both write), rolled back if the block raises."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, kind, _value, _tb):
        self.db.execute("ROLLBACK" if kind else "COMMIT")
        return False
