"""The message outbox in the shared database, for app servers that share one (``store_url``).

The same messages, states and methods as the SQLite file (``outbox``), so a caller that opens
``Outbox(path)`` cannot tell which it got: ``Outbox`` gives this one when its data directory was
told to use a database (``outbox.use_database``, at start-up). Every change commits durably
(the connection's ``synchronous_commit`` is on), as the file syncs every commit; ``position``
keeps the order messages were queued in, as SQLite's ``rowid`` does.

Erasure deletes the rows; PostgreSQL keeps a deleted row's bytes in its table until ``VACUUM``
reuses the space, so ``forget`` runs one on the table afterwards.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import psycopg

from forms_app.storage.postgres.shared import SharedTable

from .outbox import (
    _COLUMNS,
    QUEUED,
    SENDING,
    STATES,
    Message,
    Outbox,
    _message,
    _new_row,
    for_the_person,
    kept_until_sent,
)

MESSAGES = "feedback_messages"
META = "feedback_messages_meta"


class MessageTable(SharedTable):
    name = MESSAGES
    statements = (
        f"""CREATE TABLE IF NOT EXISTS {MESSAGES} (
            position bigserial UNIQUE,
            id text PRIMARY KEY,
            ref text NOT NULL,
            type text NOT NULL,
            channel text NOT NULL CHECK (channel IN ('email', 'sms', 'letter')),
            recipient text NOT NULL,
            language text NOT NULL,
            wording text NOT NULL,
            payload text NOT NULL,
            state text NOT NULL
                CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'to_post')),
            attempts integer NOT NULL DEFAULT 0,
            next_try double precision NOT NULL,
            queued_at double precision NOT NULL,
            sent_at double precision,
            provider_id text,
            reason text NOT NULL DEFAULT '')""",
        f"CREATE INDEX IF NOT EXISTS {MESSAGES}_due ON {MESSAGES} (state, next_try)",
        f"CREATE INDEX IF NOT EXISTS {MESSAGES}_ref ON {MESSAGES} (ref)",
        f"CREATE TABLE IF NOT EXISTS {META} (key text PRIMARY KEY, value text NOT NULL)",
    )


class DatabaseOutbox(Outbox):
    """``Outbox`` with its rows in the database at ``url``."""

    def __init__(self, path: Path, url: str | None = None):
        # ``Outbox(path)`` calls this with the path only: the URL is the one registered.
        from .outbox import database_for

        self.path = Path(path)
        self.table = MessageTable(url or database_for(path))
        with self.table.durable() as connection:
            connection.execute(
                f"INSERT INTO {META} (key, value) VALUES ('created_at', %s) "
                "ON CONFLICT (key) DO NOTHING",
                (json.dumps(time.time()),),
            )

    def close(self) -> None:
        """Nothing to close: the process's connections stay open for the next call."""

    def _rows(self, query: str, params=()) -> list[tuple]:
        with self.table.durable() as connection:
            return connection.execute(query.replace("?", "%s"), params).fetchall()

    def _change(self, query: str, params=()) -> int:
        with self.table.durable() as connection:
            return connection.execute(query.replace("?", "%s"), params).rowcount

    # -- queueing -----------------------------------------------------------------------------

    def queue(self, messages: list[Message], at: float | None = None) -> int:
        at = time.time() if at is None else at
        added = 0
        with self.table.durable() as connection:
            for m in messages:
                added += connection.execute(
                    f"INSERT INTO {MESSAGES} ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, "
                    "%s, 'queued', 0, %s, %s, NULL, NULL, '') ON CONFLICT (id) DO NOTHING",
                    _new_row(m, at),
                ).rowcount
        return added

    def known(self, ids: list[str]) -> set[str]:
        if not ids:
            return set()
        return {i for (i,) in self._rows(f"SELECT id FROM {MESSAGES} WHERE id = ANY(?)", (ids,))}

    # -- the worker's steps ---------------------------------------------------------------------

    def due(self, now: float, limit: int = 100) -> list[Message]:
        return [
            _message(row)
            for row in self._rows(
                f"SELECT {_COLUMNS} FROM {MESSAGES} WHERE state IN ('queued', 'sending') "
                "AND next_try <= ? ORDER BY next_try, queued_at, position LIMIT ?",
                (now, int(limit)),
            )
        ]

    def next_due(self) -> float | None:
        return self._rows(
            f"SELECT MIN(next_try) FROM {MESSAGES} WHERE state IN ('queued', 'sending')"
        )[0][0]

    def mark_sending(self, message_id: str, attempts: int | None = None) -> bool:
        # One conditional UPDATE: of two workers claiming the same message, the second finds
        # the row changed (attempts counted up, or no longer waiting) and claims nothing.
        return (
            self._change(
                f"UPDATE {MESSAGES} SET state = 'sending', attempts = attempts + 1 WHERE id = %s "
                "AND state IN ('queued', 'sending') AND (%s::integer IS NULL OR attempts = %s)",
                (message_id, attempts, attempts),
            )
            == 1
        )

    def mark_sent(self, message_id: str, at: float, provider_id: str | None) -> None:
        with self.table.durable() as connection:
            connection.execute(
                f"UPDATE {MESSAGES} SET state = 'sent', sent_at = %s, provider_id = %s, "
                "reason = '' WHERE id = %s",
                (at, provider_id, message_id),
            )
            _forget_kept_until_sent(connection, message_id)

    def mark_to_post(self, message_id: str, reason: str) -> None:
        self._change(
            f"UPDATE {MESSAGES} SET state = 'to_post', reason = ? WHERE id = ?",
            (reason, message_id),
        )

    def mark_posted(self, message_id: str, at: float, by: str) -> bool:
        with self.table.durable() as connection:
            cursor = connection.execute(
                f"UPDATE {MESSAGES} SET state = 'sent', sent_at = %s, provider_id = %s, "
                "reason = '' WHERE id = %s AND state = 'to_post' AND channel = 'letter'",
                (at, f"posted by {by}"[:200], message_id),
            )
            if cursor.rowcount != 1:
                return False
            _forget_kept_until_sent(connection, message_id)
        return True

    def later(self, message_id: str, next_try: float, reason: str, *, unsure: bool) -> None:
        self._change(
            f"UPDATE {MESSAGES} SET state = ?, next_try = ?, reason = ? WHERE id = ?",
            (SENDING if unsure else QUEUED, next_try, reason, message_id),
        )

    def not_counted(self, message_id: str) -> None:
        self._change(
            f"UPDATE {MESSAGES} SET attempts = GREATEST(attempts - 1, 0) WHERE id = ?",
            (message_id,),
        )

    def mark_failed(self, message_id: str, reason: str) -> None:
        self._change(
            f"UPDATE {MESSAGES} SET state = 'failed', reason = ? WHERE id = ?",
            (reason, message_id),
        )

    def send_again(self, message_id: str, at: float) -> bool:
        return (
            self._change(
                f"UPDATE {MESSAGES} SET state = 'queued', attempts = 0, next_try = ?, "
                "reason = '' WHERE id = ? AND state = 'failed'",
                (at, message_id),
            )
            == 1
        )

    # -- what staff and people see -----------------------------------------------------------

    def for_refs(self, refs: list[str]) -> list[Message]:
        """The messages to the person of each case, oldest first (not ``NOT_TO_THE_PERSON``)."""
        out: list[Message] = []
        for ref in refs:
            out += [
                _message(row)
                for row in self._rows(
                    f"SELECT {_COLUMNS} FROM {MESSAGES} WHERE ref = ? ORDER BY queued_at, position",
                    (ref,),
                )
                if for_the_person(row[2])
            ]
        return out

    def failed(self, limit: int = 500) -> list[Message]:
        return [
            _message(row)
            for row in self._rows(
                f"SELECT {_COLUMNS} FROM {MESSAGES} WHERE state = 'failed' "
                "ORDER BY queued_at DESC LIMIT ?",
                (int(limit),),
            )
        ]

    def to_post(self, limit: int = 500) -> list[Message]:
        return [
            _message(row)
            for row in self._rows(
                f"SELECT {_COLUMNS} FROM {MESSAGES} WHERE state = 'to_post' "
                "ORDER BY queued_at, position LIMIT ?",
                (int(limit),),
            )
        ]

    def one(self, message_id: str) -> Message | None:
        rows = self._rows(f"SELECT {_COLUMNS} FROM {MESSAGES} WHERE id = ?", (message_id,))
        return _message(rows[0]) if rows else None

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        counts.update(self._rows(f"SELECT state, COUNT(*) FROM {MESSAGES} GROUP BY state"))
        return counts

    def oldest_waiting(self) -> float | None:
        return self._rows(
            f"SELECT MIN(queued_at) FROM {MESSAGES} WHERE state IN ('queued', 'sending')"
        )[0][0]

    def get(self, key: str, default=None):
        rows = self._rows(f"SELECT value FROM {META} WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set(self, **values) -> None:
        with self.table.durable() as connection:
            for key, value in values.items():
                connection.execute(
                    f"INSERT INTO {META} (key, value) VALUES (%s, %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    (key, json.dumps(value)),
                )

    def set_first(self, **values) -> None:
        with self.table.durable() as connection:
            for key, value in values.items():
                connection.execute(
                    f"INSERT INTO {META} (key, value) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
                    (key, json.dumps(value)),
                )

    # -- erasure ------------------------------------------------------------------------------

    def forget(self, refs: list[str]) -> int:
        """Remove every message of these cases; returns how many went."""
        removed = self._change(f"DELETE FROM {MESSAGES} WHERE ref = ANY(?)", (list(refs),))
        if removed:
            connection = self.table.connections.get()
            try:
                # Outside a transaction (VACUUM refuses to run inside one): the space the
                # deleted rows held is made reusable, so their bytes are written over sooner.
                connection.execute(f"VACUUM {MESSAGES}")
            except psycopg.Error:
                self.table.connections.forget()
        return removed


def _forget_kept_until_sent(connection, message_id: str) -> None:
    row = connection.execute(
        f"SELECT channel, payload, type FROM {MESSAGES} WHERE id = %s", (message_id,)
    ).fetchone()
    names = kept_until_sent(row[0], row[2]) if row else ()
    values = json.loads(row[1]) if row else {}
    if not any(values.get(name) for name in names):
        return
    values.update(dict.fromkeys(names, ""))
    connection.execute(
        f"UPDATE {MESSAGES} SET payload = %s WHERE id = %s",
        (json.dumps(values, ensure_ascii=False, sort_keys=True), message_id),
    )
