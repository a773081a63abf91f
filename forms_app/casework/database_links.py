"""Request links and the reminder ledger in the shared database, for app servers that share one
(``store_url``).

The same rows, keyed hashes and rules as the SQLite file (``request_links``), so a caller that
opens ``Links(data_dir, key)`` cannot tell which it got: ``Links`` gives this one when its data
directory was told to use a database (at start-up). Spending a link and claiming a reminder are
each one statement whose row count says who won, so of two app servers doing either at the same
moment exactly one succeeds.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from forms_app.storage.postgres.small_tables import SmallTable
from forms_app.storage.shared_database import database_for

from .request_links import Link, Links

LINKS = "feedback_request_links"
REMINDERS = "feedback_request_reminders"


class LinkTables(SmallTable):
    name = "feedback_request_links"
    statements = (
        f"""CREATE TABLE IF NOT EXISTS {LINKS} (
            request text PRIMARY KEY,
            ref text NOT NULL,
            hash text NOT NULL UNIQUE,
            expires double precision NOT NULL,
            spent boolean NOT NULL DEFAULT false,
            made_at double precision NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS {LINKS}_ref ON {LINKS} (ref)",
        f"""CREATE TABLE IF NOT EXISTS {REMINDERS} (
            message_id text PRIMARY KEY,
            ref text NOT NULL,
            sent_at double precision NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS {REMINDERS}_ref ON {REMINDERS} (ref)",
    )


class DatabaseLinks(Links):
    """``Links`` with its rows in the database the data directory uses (or at ``url``)."""

    def __init__(self, data_dir: Path, key: str | bytes, url: str | None = None):
        self.key = key.encode() if isinstance(key, str) else bytes(key)
        self.table = LinkTables(url or database_for(data_dir))

    def close(self) -> None:
        """Nothing to close: the process's connections stay open for the next call."""

    def make(self, request: str, ref: str, expires: float, now: float | None = None) -> str:
        secret = secrets.token_urlsafe(32)
        self.table.change(
            f"INSERT INTO {LINKS} (request, ref, hash, expires, spent, made_at) "
            "VALUES (%s, %s, %s, %s, false, %s) ON CONFLICT (request) DO UPDATE SET "
            "ref = EXCLUDED.ref, hash = EXCLUDED.hash, expires = EXCLUDED.expires, "
            "spent = false, made_at = EXCLUDED.made_at",
            (request, ref, self._hash(secret), expires, time.time() if now is None else now),
        )
        return secret

    def find(self, secret: str, now: float | None = None) -> Link | None:
        if not secret or len(secret) > 200:
            return None
        now = time.time() if now is None else now
        rows = self.table.rows(
            f"SELECT request, ref, expires, spent FROM {LINKS} WHERE hash = %s",
            (self._hash(secret),),
        )
        if not rows or rows[0][3] or now > rows[0][2]:
            return None
        return Link(rows[0][0], rows[0][1], rows[0][2])

    def spend(self, request: str) -> bool:
        return (
            self.table.change(
                f"UPDATE {LINKS} SET spent = true WHERE request = %s AND NOT spent", (request,)
            )
            == 1
        )

    def claim_reminder(self, message_id: str, ref: str, now: float | None = None) -> bool:
        return (
            self.table.change(
                f"INSERT INTO {REMINDERS} (message_id, ref, sent_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (message_id) DO NOTHING",
                (message_id, ref, time.time() if now is None else now),
            )
            == 1
        )

    def for_refs(self, refs: list[str]) -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {}
        for ref, request, expires, spent in self.table.rows(
            f"SELECT ref, request, expires, spent FROM {LINKS} WHERE ref = ANY(%s) "
            "ORDER BY made_at, request",
            (list(refs),),
        ):
            found.setdefault(ref, []).append(
                {"request": request, "expires": expires, "spent": bool(spent)}
            )
        return found

    def forget(self, refs: list[str]) -> int:
        return self.table.forget_cases(refs, LINKS, REMINDERS)
