"""The sync worker's durable state: ``<data_dir>/sheets/outbox.sqlite3``.

SQLite (standard library; WAL, ``synchronous=FULL``, so a committed change survives a crash
or power cut) holds, per tab, every key (a reference; a problem's identifier) in one of
three states:

- ``pending``: to be appended;
- ``maybe``: an append carrying it was started. This is committed *before* the request goes,
  so a crash or an unclear reply (timeout, 500 after the write landed) is never forgotten;
- ``sent``: the append was confirmed, by its reply or by finding the key in the tab.

A ``maybe`` is settled only by reading the tab's key column (``resolve``): found keys are
``sent``, the rest go back to ``pending``. Rows are never found by row number.

Also kept: the staff columns of each Triage row as last written (a later difference in the
sheet is a person's edit), problems already reported (so each is reported once), and small
facts about the worker (``meta``: last success, failures, parking, alerts).

What it holds about a case: its reference, what staff typed in the sheet, and problem rows
waiting to go. A retention purge or an erasure must call ``forget(ref)`` too, then ``clear``
for the references that were in the sheet: the worker clears their rows (``CLEARING``, a
queue of references only) at its next step.

With a shared database (``store_url``), ``Outbox(path)`` gives ``database_outbox.DatabaseOutbox``
instead, with the same methods and rows in that database (``storage.shared_database`` says
which data directory uses one); ``outbox_exists`` answers for either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from forms_app.storage.shared_database import database_for
from forms_app.storage.sqlite_files import Transaction, open_durable

from .layout import TABS

PENDING, MAYBE, SENT = "pending", "maybe", "sent"
#: Not a tab: references of erased or purged cases whose rows the worker must clear.
CLEARING = "Clearing"
#: Everything the outbox queues: the three tabs and the clearing queue.
WAITING_TABS = (*TABS, CLEARING)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    tab TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'maybe', 'sent')),
    batch TEXT,
    queued_at REAL NOT NULL,
    sent_at REAL,
    payload TEXT,
    PRIMARY KEY (tab, key)
);
CREATE INDEX IF NOT EXISTS items_waiting ON items (tab, state, queued_at);
CREATE TABLE IF NOT EXISTS seen (ref TEXT PRIMARY KEY, editable TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reported (
    ref TEXT NOT NULL, col TEXT NOT NULL, value TEXT NOT NULL, problem TEXT NOT NULL,
    PRIMARY KEY (ref, col)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def outbox_path(data_dir: Path) -> Path:
    return Path(data_dir) / "sheets" / "outbox.sqlite3"


def outbox_exists(path: Path) -> bool:
    """Whether the outbox at ``path`` was made (or lives in the shared database, which makes
    its tables on first use)."""
    return Path(path).exists() or bool(database_for(Path(path).parent.parent))


class Outbox:
    def __new__(cls, *args, **kwargs):
        path = args[0] if args else kwargs["path"]
        if cls is Outbox and database_for(Path(path).parent.parent):
            from .database_outbox import DatabaseOutbox

            return super().__new__(DatabaseOutbox)
        return super().__new__(cls)

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = open_durable(self.path, _SCHEMA)
        self._later: dict = {}

    def close(self) -> None:
        self.flush()
        self.db.close()

    def _tx(self):
        return Transaction(self.db)

    # -- items ------------------------------------------------------------------------------

    def known(self, tab: str) -> set[str]:
        return {k for (k,) in self.db.execute("SELECT key FROM items WHERE tab = ?", (tab,))}

    def enqueue(self, tab: str, items: Iterable[tuple[str, float, str | None]]) -> int:
        """Add (key, queued_at, payload) as pending unless the key is known; returns how many."""
        with self._tx():
            before = self.db.total_changes
            self.db.executemany(
                "INSERT OR IGNORE INTO items (tab, key, state, queued_at, payload) "
                "VALUES (?, ?, 'pending', ?, ?)",
                [(tab, key, at, payload) for key, at, payload in items],
            )
            return self.db.total_changes - before

    def pending(self, tab: str, limit: int | None = None) -> list[tuple[str, str | None]]:
        sql = "SELECT key, payload FROM items WHERE tab = ? AND state = 'pending' "
        sql += "ORDER BY queued_at, rowid"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return list(self.db.execute(sql, (tab,)))

    def mark_maybe(self, tab: str, keys: list[str], batch: str) -> None:
        """Committed (fsynced) before the append that carries ``keys`` is sent."""
        with self._tx():
            self.db.executemany(
                "UPDATE items SET state = 'maybe', batch = ? WHERE tab = ? AND key = ?",
                [(batch, tab, key) for key in keys],
            )

    def mark_sent(self, tab: str, batch: str, at: float) -> None:
        with self._tx():
            self.db.execute(
                "UPDATE items SET state = 'sent', sent_at = ?, batch = NULL "
                "WHERE tab = ? AND batch = ? AND state = 'maybe'",
                (at, tab, batch),
            )

    def maybe(self, tab: str) -> list[str]:
        return [
            k
            for (k,) in self.db.execute(
                "SELECT key FROM items WHERE tab = ? AND state = 'maybe'", (tab,)
            )
        ]

    def resolve(self, tab: str, present: set[str], at: float) -> tuple[int, int]:
        """Settle every ``maybe`` of ``tab`` against the keys found in the tab:
        found -> sent, not found -> pending. Returns (confirmed, requeued)."""
        keys = self.maybe(tab)
        found = [k for k in keys if k in present]
        lost = [k for k in keys if k not in present]
        with self._tx():
            self.db.executemany(
                "UPDATE items SET state = 'sent', sent_at = ?, batch = NULL "
                "WHERE tab = ? AND key = ?",
                [(at, tab, k) for k in found],
            )
            self.db.executemany(
                "UPDATE items SET state = 'pending', batch = NULL WHERE tab = ? AND key = ?",
                [(tab, k) for k in lost],
            )
        return len(found), len(lost)

    def requeue_missing(self, tab: str, present: set[str]) -> list[str]:
        """Sent keys no longer in the tab (a row deleted by hand) go back to pending."""
        sent = [
            k
            for (k,) in self.db.execute(
                "SELECT key FROM items WHERE tab = ? AND state = 'sent'", (tab,)
            )
        ]
        lost = [k for k in sent if k not in present]
        if lost:
            with self._tx():
                self.db.executemany(
                    "UPDATE items SET state = 'pending' WHERE tab = ? AND key = ?",
                    [(tab, k) for k in lost],
                )
        return lost

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for tab, state, n in self.db.execute(
            "SELECT tab, state, COUNT(*) FROM items GROUP BY tab, state"
        ):
            out.setdefault(tab, {})[state] = n
        return out

    def oldest_waiting(self) -> float | None:
        """When the longest-waiting item not yet confirmed was queued (None: nothing waits).
        Asked per tab and state, so that each is one look in the index (``state != 'sent'``
        would go through every item ever sent, at every step)."""
        found = [
            value
            for tab in WAITING_TABS
            for state in (PENDING, MAYBE)
            for (value,) in self.db.execute(
                "SELECT MIN(queued_at) FROM items WHERE tab = ? AND state = ?", (tab, state)
            )
            if value is not None
        ]
        return min(found, default=None)

    def sent_times(self, tab: str) -> dict[str, float]:
        return {
            k: at
            for k, at in self.db.execute(
                "SELECT key, sent_at FROM items WHERE tab = ? AND state = 'sent'", (tab,)
            )
        }

    # -- what staff last saw ----------------------------------------------------------------

    def editable(self) -> dict[str, dict[str, str]]:
        return {ref: json.loads(v) for ref, v in self.db.execute("SELECT ref, editable FROM seen")}

    def set_editable(self, values: dict[str, dict[str, str]]) -> None:
        if not values:
            return
        with self._tx():
            self.db.executemany(
                "INSERT OR REPLACE INTO seen (ref, editable) VALUES (?, ?)",
                [(ref, json.dumps(v, sort_keys=True)) for ref, v in values.items()],
            )

    # -- problems reported --------------------------------------------------------------------

    def reported(self) -> dict[tuple[str, str], tuple[str, str]]:
        return {
            (ref, col): (value, problem)
            for ref, col, value, problem in self.db.execute(
                "SELECT ref, col, value, problem FROM reported"
            )
        }

    def add_reported(self, items: list[tuple[str, str, str, str]]) -> None:
        if items:
            with self._tx():
                self.db.executemany(
                    "INSERT OR REPLACE INTO reported (ref, col, value, problem) "
                    "VALUES (?, ?, ?, ?)",
                    items,
                )

    def clear_reported(self, keys: list[tuple[str, str]]) -> None:
        if keys:
            with self._tx():
                self.db.executemany("DELETE FROM reported WHERE ref = ? AND col = ?", keys)

    # -- meta -------------------------------------------------------------------------------

    def get(self, key: str, default=None):
        if key in self._later:
            return self._later[key]
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def note(self, **values) -> None:
        """Remember facts that may be lost in a crash (times, counts) until ``flush``: one
        commit a step instead of one each."""
        self._later.update(values)

    def flush(self) -> None:
        if self._later:
            later, self._later = self._later, {}
            self.set(**later)

    def set(self, **values) -> None:
        with self._tx():
            self.db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in values.items()],
            )

    # -- erasure ----------------------------------------------------------------------------

    def drop_pending(self, tab: str, key: str) -> None:
        """Take a key that is still waiting out of a tab's queue (a row never sent)."""
        with self._tx():
            self.db.execute(
                "DELETE FROM items WHERE tab = ? AND key = ? AND state = 'pending'", (tab, key)
            )

    def drop(self, tab: str, key: str) -> None:
        """Take a key out of a tab whatever its state (its row cleared from the sheet): queued
        again, it is sent again."""
        with self._tx():
            self.db.execute("DELETE FROM items WHERE tab = ? AND key = ?", (tab, key))

    def clear(self, refs: Iterable[str], at: float) -> None:
        """Ask the worker to clear these references' rows from the sheet (after ``forget``)."""
        self.enqueue(CLEARING, [(ref, at, None) for ref in refs])

    def secure_delete(self) -> None:
        """Zero deleted cells from now on (before an erasure)."""
        self.db.execute("PRAGMA secure_delete = ON")

    def scrub(self) -> None:
        """After an erasure: no copy of the old pages left in the write-ahead log or on free
        pages (the log checkpointed and truncated, the file vacuumed)."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.execute("VACUUM")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def forget(self, ref: str) -> None:
        """Remove everything held about a case (retention purge, erasure)."""
        with self._tx():
            self.db.execute("DELETE FROM items WHERE key = ?", (ref,))
            self.db.execute("DELETE FROM seen WHERE ref = ?", (ref,))
            self.db.execute("DELETE FROM reported WHERE ref = ?", (ref,))
            self.db.execute(
                "DELETE FROM items WHERE tab = 'Problems' AND payload LIKE ?",
                (f'%"ref": {json.dumps(ref)}%',),
            )
