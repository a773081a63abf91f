"""Rate-limit counters in the database, so that a limit holds across every app server.

The counterpart of the slots file the public rate limits keep (``public.ratelimit``): one row per
keyed hash of rule and address (the caller makes the key; no address reaches the database),
with when its window began, how many requests it has counted and how long it lasts. A hit is one
statement (insert, or update the row under its row lock), so concurrent hits from any number of
servers are counted one by one. Counters are not waited for on disk: losing them to a crash of
the database server only restarts the windows.

Failure mode: OPEN, as with the file. If the database cannot be reached, the request is allowed
and a warning (without the address) is logged.
"""

from __future__ import annotations

import logging
import time

import psycopg

from .shared import SharedTable

log = logging.getLogger(__name__)

TABLE = "feedback_rate_limits"
#: Windows that ended are deleted by the process that counts, at most this often.
PURGE_EVERY = 300
#: A window that claims to start this far in the future is treated as ended (a clock that
#: jumped back), so no address is shut out for good.
_FUTURE = 60
_ENDED = f"(slot.started + slot.seconds <= %(now)s OR slot.started > %(now)s + {_FUTURE})"


class CounterTable(SharedTable):
    name = TABLE
    statements = (
        f"""CREATE TABLE IF NOT EXISTS {TABLE} (
            key bytea PRIMARY KEY,
            started double precision NOT NULL,
            count integer NOT NULL,
            seconds integer NOT NULL)""",
    )


class PostgresCounters:
    """Windows of counts keyed by bytes, in the database at ``url``."""

    def __init__(self, url: str):
        self.table = CounterTable(url)
        self._next_purge = 0.0

    def hit(self, key: bytes, limit: int, seconds: int, now: float | None = None) -> bool:
        """Count one request in ``key``'s window; True if within ``limit`` (allowed)."""
        now = time.time() if now is None else now
        try:
            (count,) = self.table.quick_one(
                f"""INSERT INTO {TABLE} AS slot (key, started, count, seconds)
                    VALUES (%(key)s, %(now)s, 1, %(seconds)s)
                    ON CONFLICT (key) DO UPDATE SET
                      started = CASE WHEN {_ENDED} THEN %(now)s ELSE slot.started END,
                      count = CASE WHEN {_ENDED} THEN 1
                                   ELSE LEAST(slot.count + 1, %(limit)s + 1) END,
                      seconds = %(seconds)s
                    RETURNING count""",
                {"key": key, "now": now, "seconds": seconds, "limit": limit},
            ).fetchone()
            if now >= self._next_purge:
                self._next_purge = now + PURGE_EVERY
                self.table.quick_one(f"DELETE FROM {TABLE} WHERE started + seconds < %s", (now,))
        except psycopg.Error as exc:
            log.warning("rate limit: counter unavailable (%s): allowing", type(exc).__name__)
            return True
        return count <= limit
