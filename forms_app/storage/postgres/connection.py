"""Connections to the database: one per thread of each process, opened on first use.

Why this shape:
- nothing is opened when the store is made, so a store made before gunicorn forks its workers
  holds no connection: a connection shared by two processes mixes their messages on one socket;
- a process that finds a connection its parent opened leaves it alone (closing it would end the
  parent's session too) and opens its own;
- every connection has ``synchronous_commit`` on, whatever the database or server default says,
  so COMMIT returns only once the commit is on disk: the reference a person is shown is never
  lost in a crash of the database server;
- a connection that broke (the server restarted, the network dropped) is replaced on the next
  call, so one failure is one refused write, not a dead worker.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import psycopg

from .schema import WRITE_LOCK

#: Connections a forked child found from its parent: kept referenced so that they are never
#: closed (and their session ended) from the child.
_INHERITED: list[psycopg.Connection] = []


def connect(url: str) -> psycopg.Connection:
    """A new connection in autocommit mode (each transaction is explicit) with durable commits."""
    connection = psycopg.connect(url, autocommit=True)
    connection.execute("SET synchronous_commit TO on")
    return connection


class Connections:
    """The connection of the calling thread, for one database URL."""

    def __init__(self, url: str):
        self.url = url
        self._local = threading.local()

    def get(self) -> psycopg.Connection:
        local = self._local
        connection = getattr(local, "connection", None)
        if connection is not None and local.pid != os.getpid():
            _INHERITED.append(connection)
            connection = None
        if connection is None or connection.closed or connection.broken:
            connection = connect(self.url)
            local.connection, local.pid = connection, os.getpid()
        return connection

    def forget(self) -> None:
        """Drop this thread's connection after an error that may have left it unusable."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None and self._local.pid == os.getpid():
            with suppress(psycopg.Error):
                connection.close()

    @contextmanager
    def writing(self) -> Iterator[psycopg.Connection]:
        """A transaction holding the store's write lock until it commits or rolls back.

        Every writer takes the same lock, so transactions that write commit one at a time and
        the positions they take from the sequence grow in the order they commit."""
        connection = self.get()
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield connection


class WriteLock:
    """The store's write lock held outside a transaction (``Store.lock``): while it is held,
    no other connection can write to the case tables. Not re-entrant, like the file lock."""

    def __init__(self, url: str):
        self.url = url
        self._connection: psycopg.Connection | None = None

    def __enter__(self) -> WriteLock:
        if self._connection is not None:
            raise RuntimeError("the write lock is not re-entrant: make a new one per operation")
        connection = connect(self.url)
        try:
            connection.execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK,))
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        return self

    def __exit__(self, *exc_info: object) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            # Ending the session releases the lock, even if the unlock is never sent.
            connection.close()

    @property
    def held(self) -> bool:
        """True inside the ``with`` block."""
        return self._connection is not None
