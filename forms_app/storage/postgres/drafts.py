"""Answers in progress in the database, so that any app server can serve a person's next page.

The same methods, limits and lifetimes as ``storage.drafts.Drafts`` (one JSON file per draft),
one row per draft instead: the draft id (from the cookie), its owner (the keyed hash of the
network it was started from, the part of the id before the dot), the JSON text, whether it is
sent (only its idempotency keys are left), and when it last changed (seconds since the epoch).

An owner's live drafts are counted under a lock of that owner's own for the length of the
transaction, so two servers saving a new draft for one network at once cannot both pass the
limit. The files a person added to a draft are held in the same database (``files``).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from ..drafts import (
    _ID,
    _LEGACY_ID,
    DRAFT_IDLE_SECONDS,
    MAX_DRAFT_BYTES,
    PER_OWNER,
    SENT_BYTES,
    Drafts,
    DraftTooLarge,
    TooManyDrafts,
)
from .files import purge_held
from .shared import SharedTable

TABLE = "feedback_drafts"


class DraftTable(SharedTable):
    name = TABLE
    statements = (
        f"""CREATE TABLE IF NOT EXISTS {TABLE} (
            id text PRIMARY KEY,
            owner text NOT NULL,
            body text NOT NULL,
            sent boolean NOT NULL DEFAULT false,
            changed double precision NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_owner ON {TABLE} (owner) WHERE NOT sent",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_changed ON {TABLE} (changed)",
    )


def _owner(draft_id: str | None) -> str | None:
    """The owner part of a well-formed id ("" for an id from before owners), else None: the id
    comes from a cookie, and nothing else is ever looked up."""
    if not draft_id:
        return None
    match = _ID.match(draft_id)
    if match:
        return match.group(1)
    if _LEGACY_ID.match(draft_id):
        return ""
    return None


class PostgresDrafts(Drafts):
    """``Drafts`` with the drafts in the database at ``url``; ``directory`` still holds the
    files added to drafts."""

    def __init__(
        self,
        url: str,
        directory: Path,
        *,
        per_owner: int = PER_OWNER,
        max_bytes: int = MAX_DRAFT_BYTES,
        idle_seconds: float = DRAFT_IDLE_SECONDS,
    ):
        super().__init__(
            directory, per_owner=per_owner, max_bytes=max_bytes, idle_seconds=idle_seconds
        )
        self.table = DraftTable(url)

    def load(self, draft_id: str | None) -> dict:
        if _owner(draft_id) is None:
            return {}
        found = self.table.quick_one(
            f"SELECT body FROM {TABLE} WHERE id = %s", (draft_id,)
        ).fetchone()
        if found is None:
            return {}
        try:
            loaded = json.loads(found[0])
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def save(self, draft_id: str, draft: dict) -> None:
        """Store the draft whole. Raises DraftTooLarge or TooManyDrafts (nothing stored), and
        ``psycopg.Error`` when the database cannot take it (the earlier version is kept)."""
        owner = _owner(draft_id)
        if owner is None:
            raise ValueError("not a draft id")
        data = json.dumps(draft, ensure_ascii=False)
        if len(data.encode("utf-8")) > self.max_bytes:
            raise DraftTooLarge(f"a draft of {len(data.encode())} bytes is over {self.max_bytes}")
        self.purge_when_due()
        with self.table.quick() as connection:
            if owner:
                connection.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 1))", (owner,)
                )
                live = connection.execute(
                    f"SELECT 1 FROM {TABLE} WHERE id = %s AND NOT sent", (draft_id,)
                ).fetchone()
                if live is None:
                    (count,) = connection.execute(
                        f"SELECT count(*) FROM {TABLE} WHERE owner = %s AND NOT sent", (owner,)
                    ).fetchone()
                    if count >= self.per_owner:
                        raise TooManyDrafts("this owner keeps as many drafts as it may")
            self._put(connection.execute, draft_id, owner, data, sent=False)

    def mark_sent(self, draft_id: str, keys: dict) -> None:
        """Replace the draft by its idempotency keys (no answers)."""
        owner = _owner(draft_id)
        if owner is None:
            raise ValueError("not a draft id")
        data = json.dumps(keys)
        if len(data.encode("utf-8")) > SENT_BYTES:
            raise DraftTooLarge("what is left of a sent draft is only its keys")
        self._put(self.table.quick_one, draft_id, owner, data, sent=True)

    @staticmethod
    def _put(execute, draft_id: str, owner: str, data: str, *, sent: bool) -> None:
        execute(
            f"""INSERT INTO {TABLE} (id, owner, body, sent, changed) VALUES (%s, %s, %s, %s, %s)
                ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body, sent = EXCLUDED.sent,
                changed = EXCLUDED.changed""",
            (draft_id, owner, data, sent, time.time()),
        )

    def delete(self, draft_id: str) -> None:
        if _owner(draft_id) is not None:
            self.table.quick_one(f"DELETE FROM {TABLE} WHERE id = %s", (draft_id,))

    def purge(self, idle_seconds: float | None = None, now: float | None = None) -> int:
        """Delete drafts unchanged for ``idle_seconds`` (the idle lifetime unless given), sent
        ones too; return how many drafts (not sent ones) went."""
        cutoff = (now or time.time()) - (
            self.idle_seconds if idle_seconds is None else idle_seconds
        )
        with self.table.quick() as connection:
            removed = connection.execute(
                f"DELETE FROM {TABLE} WHERE changed < %s RETURNING sent", (cutoff,)
            ).fetchall()
        self._purge_held_files()
        return sum(1 for (sent,) in removed if not sent)

    def count(self) -> int:
        """How many drafts are kept now (answers in progress, not the keys of sent ones)."""
        with self.table.quick() as connection:
            return connection.execute(f"SELECT count(*) FROM {TABLE} WHERE NOT sent").fetchone()[0]

    def _purge_held_files(self) -> None:
        """Files added to a draft go with the draft (held in the database, ``files``, or in
        ``files/<draft id>/`` from before)."""
        purge_held(self.table.url)
        held = self.directory / "files"
        if not held.is_dir():
            return
        folders = {folder.name: folder for folder in held.iterdir()}
        if not folders:
            return
        with self.table.quick() as connection:
            live = {
                row[0]
                for row in connection.execute(
                    f"SELECT id FROM {TABLE} WHERE id = ANY(%s) AND NOT sent", (list(folders),)
                )
            }
        for name, folder in folders.items():
            if name not in live:
                shutil.rmtree(folder, ignore_errors=True)


def remove_matching(url: str, keys: list[str], tokens: list[str]) -> int:
    """Delete drafts (and sent drafts' keys) holding any of ``keys``, or any of ``tokens``
    whatever their case (erasure: a person's name or address in answers in progress)."""
    keys = [key for key in keys if key]
    tokens = [token.lower() for token in tokens if token]
    if not (keys or tokens):
        return 0
    with DraftTable(url).quick() as connection:
        return connection.execute(
            f"""DELETE FROM {TABLE} WHERE
                EXISTS (SELECT 1 FROM unnest(%s::text[]) AS k WHERE strpos(body, k) > 0)
                OR EXISTS (SELECT 1 FROM unnest(%s::text[]) AS t
                           WHERE strpos(lower(body), t) > 0)""",
            (keys, tokens),
        ).rowcount
