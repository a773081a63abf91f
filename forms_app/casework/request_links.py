"""The links that let someone without a staff account answer one request, and the ledger of
reminders sent, kept in ``<data_dir>/requests/links.sqlite3``.

A link's secret is 32 random bytes (256 bits), so a keyed hash of it (HMAC-SHA-256 with the
app's secret key) is all that is kept: the file alone opens nothing. A link works for one
request of one case, until it is answered (then it is spent), revoked, or past its end (the
due date and ``GRACE_DAYS`` days). ``find`` answers None for every one of those and for a
secret never made, so a page can say the same thing whichever it is.

The reminder ledger makes each reminder go once: a reminder's message id is claimed before it
is sent, and a second claim of the same id is refused, however many times the job runs.

``spend`` is true only for the call that spent the link: of two answers sent through the same
link at the same moment, one spends it and the other is told it was spent already.

SQLite (WAL, ``synchronous=FULL``). The file names references, so subject access and erasure
reach it (``for_refs``, ``forget``).

With a shared database (``store_url``), ``Links(data_dir, key)`` gives
``database_links.DatabaseLinks`` instead: the same methods and rules with the rows in that
database, so a link made through one app server opens, and is spent, through any other.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from zoneinfo import ZoneInfo

from forms_app.storage.shared_database import database_for
from forms_app.storage.sqlite_files import open_durable

#: Days after the due date a link still works: a late answer is better than none.
GRACE_DAYS = 14
LONDON = ZoneInfo("Europe/London")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    request TEXT PRIMARY KEY,
    ref TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    expires REAL NOT NULL,
    spent INTEGER NOT NULL DEFAULT 0,
    made_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS reminders (
    message_id TEXT PRIMARY KEY,
    ref TEXT NOT NULL,
    sent_at REAL NOT NULL
);
"""


def links_path(data_dir: Path) -> Path:
    return Path(data_dir) / "requests" / "links.sqlite3"


def expiry(due: date, grace_days: int = GRACE_DAYS) -> float:
    """The end of the last day a link works (UK time), as a Unix time."""
    last = datetime.combine(due + timedelta(days=grace_days), day_time.max, LONDON)
    return last.timestamp()


@dataclass(frozen=True)
class Link:
    request: str
    ref: str
    expires: float


def links_exist(data_dir: Path) -> bool:
    """Whether a link may have been made: the file exists, or the data directory uses a
    database (looking never makes the file)."""
    return links_path(data_dir).exists() or bool(database_for(data_dir))


class Links:
    """The links and reminder ledger of one data directory; ``key`` keys the hashes."""

    def __new__(cls, *args, **kwargs):
        data_dir = args[0] if args else kwargs["data_dir"]
        if cls is Links and database_for(data_dir):
            from .database_links import DatabaseLinks

            return super().__new__(DatabaseLinks)
        return super().__new__(cls)

    def __init__(self, data_dir: Path, key: str | bytes):
        self.key = key.encode() if isinstance(key, str) else bytes(key)
        self.db = open_durable(links_path(data_dir), _SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Links:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _hash(self, secret: str) -> str:
        return hmac.new(self.key, secret.encode("utf-8", "replace"), hashlib.sha256).hexdigest()

    def _write(self, sql: str, values: tuple) -> int:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cursor = self.db.execute(sql, values)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return cursor.rowcount

    def make(self, request: str, ref: str, expires: float, now: float | None = None) -> str:
        """A new link secret for ``request`` (replacing any earlier one), shown only once."""
        secret = secrets.token_urlsafe(32)
        self._write(
            "INSERT OR REPLACE INTO links (request, ref, hash, expires, spent, made_at) "
            "VALUES (?, ?, ?, ?, 0, ?)",
            (request, ref, self._hash(secret), expires, time.time() if now is None else now),
        )
        return secret

    def find(self, secret: str, now: float | None = None) -> Link | None:
        """The request a secret opens, or None: unknown, spent, revoked or past its end."""
        if not secret or len(secret) > 200:
            return None
        now = time.time() if now is None else now
        row = self.db.execute(
            "SELECT request, ref, expires, spent FROM links WHERE hash = ?", (self._hash(secret),)
        ).fetchone()
        if row is None or row[3] or now > row[2]:
            return None
        return Link(row[0], row[1], row[2])

    def spend(self, request: str) -> bool:
        """The link was used to answer, or was revoked: it opens nothing any more. True for the
        call that spent it, False when it was spent already (or never made)."""
        return (
            self._write("UPDATE links SET spent = 1 WHERE request = ? AND spent = 0", (request,))
            == 1
        )

    def claim_reminder(self, message_id: str, ref: str, now: float | None = None) -> bool:
        """True the first time ``message_id`` is claimed (send it), False after (it went)."""
        return (
            self._write(
                "INSERT OR IGNORE INTO reminders (message_id, ref, sent_at) VALUES (?, ?, ?)",
                (message_id, ref, time.time() if now is None else now),
            )
            == 1
        )

    def for_refs(self, refs: list[str]) -> dict[str, list[dict]]:
        """What is held about each case (never a hash): its links' requests and ends."""
        found: dict[str, list[dict]] = {}
        for ref in refs:
            rows = self.db.execute(
                "SELECT request, expires, spent FROM links WHERE ref = ?", (ref,)
            ).fetchall()
            if rows:
                found[ref] = [{"request": r, "expires": e, "spent": bool(s)} for r, e, s in rows]
        return found

    def forget(self, refs: list[str]) -> int:
        """Remove everything held about these cases. Returns how many rows went."""
        self.db.execute("PRAGMA secure_delete = ON")
        self.db.execute("BEGIN IMMEDIATE")
        before = self.db.total_changes
        try:
            for table in ("links", "reminders"):
                self.db.executemany(f"DELETE FROM {table} WHERE ref = ?", [(r,) for r in refs])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return self.db.total_changes - before
