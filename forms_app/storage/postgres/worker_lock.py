"""One worker of a kind across every app server that shares the database.

The message worker and the sheet worker must each run once for the whole organisation: two
message workers would send a message twice, two sheet workers would append the same row twice.
A lock file only stops a second worker on the same machine, so under a database each worker
takes a PostgreSQL session advisory lock (``pg_try_advisory_lock``) on a connection of its own,
kept open for as long as it works. The server holds the lock for that session only: when the
worker's process dies, however it dies, its connection closes and the lock is free again.

A worker that finds the lock taken stands by: it says so in its log, tries again every few
seconds, and starts working the moment it gets the lock, so a second server's worker takes over
from a first that died. A worker that loses its connection (the database restarted) may have
lost the lock with it, so it stops working and stands by again until it holds the lock anew.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import suppress

import psycopg

log = logging.getLogger(__name__)

#: The advisory lock of each kind of worker (the store's own locks use other numbers).
WORKER_LOCKS = {"messages": 0x46454544_0020, "sheets": 0x46454544_0021}
#: Seconds between a standing-by worker's tries to take the lock.
STANDBY_SECONDS = 5.0
#: Seconds to wait for the database when connecting, so a worker never hangs on a dead server.
CONNECT_SECONDS = 5


class WorkerLock:
    """The lock of one kind of worker (``messages`` or ``sheets``) in the database at ``url``,
    held on a dedicated connection from ``take`` until ``release`` or the process's end."""

    def __init__(self, url: str, kind: str):
        self.url = url
        self.kind = kind
        self.key = WORKER_LOCKS[kind]
        self._connection: psycopg.Connection | None = None

    def take(self) -> bool:
        """Take the lock if it is free; True when this worker now holds it."""
        if self._connection is not None:
            return self.still_held()
        try:
            connection = psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=CONNECT_SECONDS,
                application_name=f"feedback {self.kind} worker",
            )
        except psycopg.Error as error:
            name = type(error).__name__
            log.warning("%s worker: cannot reach the database (%s)", self.kind, name)
            return False
        try:
            (taken,) = connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        except psycopg.Error:
            connection.close()
            return False
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def still_held(self) -> bool:
        """True while the lock's connection answers (the lock lasts as long as its session)."""
        connection = self._connection
        if connection is None:
            return False
        try:
            connection.execute("SELECT 1")
            return True
        except psycopg.Error:
            self.release()
            return False

    def release(self) -> None:
        """Let the lock go: unlocked, then the session closed. The unlock is answered once the
        lock is free, so another worker can take it at once; closing alone also frees it, but
        only when the server has ended the session, a moment later (and it is all there is
        when the connection is already broken)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(psycopg.Error):
                connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            with suppress(psycopg.Error):
                connection.close()

    def wait(self, stopping: threading.Event, every: float = STANDBY_SECONDS) -> bool:
        """Stand by until the lock is taken (True) or ``stopping`` is set (False)."""
        said = False
        while not stopping.is_set():
            if self.take():
                if said:
                    log.info("%s worker: took over, now the active worker", self.kind)
                return True
            if not said:
                log.info(
                    "%s worker: standing by (another server's worker is active); "
                    "trying again every %g s",
                    self.kind,
                    every,
                )
                said = True
            stopping.wait(every)
        return False


def lead(
    lock: WorkerLock,
    stopping: threading.Event,
    work: Callable[[Callable[[], bool]], None],
    every: float = STANDBY_SECONDS,
) -> None:
    """Run ``work`` only while holding ``lock``, standing by whenever another holds it, until
    ``stopping`` is set. ``work(lost)`` must return soon after ``lost()`` becomes true."""
    try:
        while lock.wait(stopping, every):
            work(lambda: not lock.still_held())
            if lock.still_held():
                return  # the work ended of itself (stopping): nothing to take over
            log.warning("%s worker: lost the database connection; standing by", lock.kind)
    finally:
        lock.release()
