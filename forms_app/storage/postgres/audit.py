"""The audit log's lines in the database, so that every app server writes to one chain.

The counterpart of ``audit.jsonl`` and ``audit.head`` (``records.audit`` makes, chains and checks
the entries; this module only keeps their lines in order). ``feedback_audit`` holds one line per
entry at its position (1, 2, ...); ``feedback_audit_head`` holds the one anchor row: how many
entries were written and the last one's hash, moved on in the same transaction as the line.

An append takes a transaction-level advisory lock first, so appends from any number of servers
and workers take their turn: each reads the last line, chains the new entry to it, inserts it at
the next position and commits (durably: the connection's ``synchronous_commit`` is on) before
the next may read. A crash mid-append rolls the whole transaction back, so there is never a torn
line, and the head never disagrees with the lines except by tampering.
"""

from __future__ import annotations

from collections.abc import Callable

from .shared import SharedTable

LINES = "feedback_audit"
HEAD = "feedback_audit_head"
AUDIT_LOCK = 0x46454544_0011


class AuditTable(SharedTable):
    name = LINES
    statements = (
        f"""CREATE TABLE IF NOT EXISTS {LINES} (
            position bigint PRIMARY KEY CHECK (position > 0),
            line text NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS {HEAD} (
            one boolean PRIMARY KEY DEFAULT true CHECK (one),
            entries bigint NOT NULL,
            hash text NOT NULL)""",
    )

    def append(self, chain: Callable[[str | None], tuple[str, str]]) -> None:
        """Append the line ``chain(last line or None)`` returns with its hash, as one durable
        transaction under the audit lock."""
        with self.durable() as connection:
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (AUDIT_LOCK,))
            last = connection.execute(
                f"SELECT position, line FROM {LINES} ORDER BY position DESC LIMIT 1"
            ).fetchone()
            position = 1 if last is None else last[0] + 1
            line, value = chain(None if last is None else last[1])
            connection.execute(
                f"INSERT INTO {LINES} (position, line) VALUES (%s, %s)", (position, line)
            )
            # The count moves on from the head, never from the lines, so removed lines stay
            # visible to verify; a missing head is anchored again at what is there.
            connection.execute(
                f"""INSERT INTO {HEAD} (one, entries, hash) VALUES (true, %s, %s)
                    ON CONFLICT (one) DO UPDATE SET entries = {HEAD}.entries + 1,
                    hash = EXCLUDED.hash""",
                (position, value),
            )

    def snapshot(self) -> tuple[list[str], tuple[int, str] | None]:
        """Every line in order, and the head, as of one moment (an append committing meanwhile
        is in both or in neither)."""
        with self.durable() as connection:
            connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            lines = [
                row[0] for row in connection.execute(f"SELECT line FROM {LINES} ORDER BY position")
            ]
            found = connection.execute(f"SELECT entries, hash FROM {HEAD}").fetchone()
        return lines, None if found is None else (int(found[0]), found[1])

    def last(self, count: int) -> list[str]:
        """The last ``count`` lines, newest first."""
        with self.durable() as connection:
            return [
                row[0]
                for row in connection.execute(
                    f"SELECT line FROM {LINES} ORDER BY position DESC LIMIT %s", (count,)
                )
            ]
