"""Staff sessions and sign-ins waiting for their code, in the database, so that a person signed
in on one app server is signed in on all of them, and signing out ends it everywhere.

The counterpart of the one-file-per-record folders ``staff.sessions`` keeps: one row per record,
keyed by the SHA-256 of the token the cookie carries (the database never holds the token
itself), with the record as JSON and when it was last written. ``take`` deletes and returns a
record in one statement, so of two requests taking the same record only one gets it (as the
rename does for the files).
"""

from __future__ import annotations

import json
import time

from psycopg.types.json import Jsonb

from .shared import SharedTable

SESSIONS = "feedback_staff_sessions"
PENDING = "feedback_staff_pending"


def _statements(table: str) -> tuple[str, ...]:
    return (
        f"""CREATE TABLE IF NOT EXISTS {table} (
            key text PRIMARY KEY,
            record jsonb NOT NULL,
            changed double precision NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS {table}_user ON {table} ((record->>'username'))",
    )


class RecordTable(SharedTable):
    """Records keyed by a token's hash in one table of the database at ``url``."""

    def __init__(self, url: str, table: str):
        self.name = table
        self.statements = _statements(table)
        super().__init__(url)

    def get(self, key: str) -> dict | None:
        found = self.quick_one(f"SELECT record FROM {self.name} WHERE key = %s", (key,)).fetchone()
        return _record(found)

    def put(self, key: str, record: dict) -> None:
        self.quick_one(
            f"""INSERT INTO {self.name} (key, record, changed) VALUES (%s, %s, %s)
                ON CONFLICT (key) DO UPDATE SET record = EXCLUDED.record,
                changed = EXCLUDED.changed""",
            (key, Jsonb(record), time.time()),
        )

    def take(self, key: str) -> dict | None:
        """The record, deleted in the same statement: only one caller gets it."""
        found = self.quick_one(
            f"DELETE FROM {self.name} WHERE key = %s RETURNING record", (key,)
        ).fetchone()
        return _record(found)

    def delete(self, key: str) -> None:
        self.quick_one(f"DELETE FROM {self.name} WHERE key = %s", (key,))

    def delete_user(self, username: str) -> int:
        """Delete every record of one username; how many went."""
        return self.quick_one(
            f"DELETE FROM {self.name} WHERE record->>'username' = %s", (username,)
        ).rowcount

    def delete_details(self, match: dict) -> int:
        """Delete every record whose ``details`` hold all of ``match``; how many went."""
        if not match:
            return 0
        return self.quick_one(
            f"DELETE FROM {self.name} WHERE record->'details' @> %s",
            (Jsonb({key: str(value) for key, value in match.items()}),),
        ).rowcount

    def purge(self, before: float) -> int:
        """Delete records last written before ``before``."""
        return self.quick_one(f"DELETE FROM {self.name} WHERE changed < %s", (before,)).rowcount


def _record(found) -> dict | None:
    if found is None:
        return None
    record = found[0]
    if isinstance(record, str):
        record = json.loads(record)
    return record if isinstance(record, dict) else None


def session_records(url: str) -> RecordTable:
    return RecordTable(url, SESSIONS)


def pending_records(url: str) -> RecordTable:
    return RecordTable(url, PENDING)
