"""What the app servers share besides the case tables, in the same database: the plumbing.

Drafts, staff sessions, rate-limit counters, the audit log and the outboxes each have a small
table of their own (their modules beside this one). Each table is made on first use, by
whichever process gets there first, and each process keeps one set of connections per database
(one connection per thread, opened on first use: safe to make before gunicorn forks).

Two kinds of write:

- ``durable``: COMMIT returns only once the commit is on disk (the audit log, the outboxes):
  what a person was told happened must survive a crash of the database server;
- ``quick``: ``synchronous_commit`` off (drafts, sessions, counters): the same bargain the
  files make (replaced atomically, never fsynced). A crash of the database server may forget
  the last fraction of a second of them, never tear one, and a crash of an app server loses
  nothing already committed. These use connections of their own, set so once when opened, and
  ``quick_one`` runs a single statement without a transaction around it: each statement is
  its own transaction, and one round trip instead of four counts on every page a person posts.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg

from .connection import Connections

#: The advisory lock taken while a shared table is made (concurrent CREATE TABLE IF NOT EXISTS
#: in two processes can otherwise collide on the catalogue).
MAKING_LOCK = 0x46454544_0010

_lock = threading.Lock()
_connections: dict[tuple[str, bool], Connections] = {}
_made: set[tuple[str, str]] = set()


class _QuickConnections(Connections):
    """Connections whose commits do not wait for the disk (set once per connection)."""

    def __init__(self, url: str):
        super().__init__(url)
        self._set: weakref.WeakSet = weakref.WeakSet()

    def get(self) -> psycopg.Connection:
        connection = super().get()
        if connection not in self._set:
            connection.execute("SET synchronous_commit TO off")
            self._set.add(connection)
        return connection


def connections(url: str, *, quick: bool = False) -> Connections:
    """This process's connections to the database at ``url`` (``quick``: commits that do not
    wait for the disk)."""
    with _lock:
        found = _connections.get((url, quick))
        if found is None:
            found = _QuickConnections(url) if quick else Connections(url)
            _connections[(url, quick)] = found
        return found


class SharedTable:
    """One shared table at ``url``: made on first use from ``statements``."""

    name = ""
    statements: Sequence[str] = ()

    def __init__(self, url: str):
        self.url = url
        self.connections = connections(url)
        self.quick_connections = connections(url, quick=True)

    def _make(self, connection: psycopg.Connection) -> None:
        if (self.url, self.name) in _made:
            return
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (MAKING_LOCK,))
            for statement in self.statements:
                connection.execute(statement)
        _made.add((self.url, self.name))

    @contextmanager
    def quick(self) -> Iterator[psycopg.Connection]:
        """A transaction whose commit need not wait for the disk."""
        with self._transaction(self.quick_connections) as connection:
            yield connection

    def quick_one(self, query: str, params=()) -> psycopg.Cursor:
        """One statement, its own transaction, not waiting for the disk; its cursor."""
        pool = self.quick_connections
        connection = pool.get()
        try:
            self._make(connection)
            return connection.execute(query, params)
        except psycopg.OperationalError:
            pool.forget()
            raise

    @contextmanager
    def durable(self) -> Iterator[psycopg.Connection]:
        """A transaction whose COMMIT returns once it is on disk."""
        with self._transaction(self.connections) as connection:
            yield connection

    @contextmanager
    def _transaction(self, pool: Connections) -> Iterator[psycopg.Connection]:
        connection = pool.get()
        try:
            self._make(connection)
            with connection.transaction():
                yield connection
        except psycopg.OperationalError:
            # The connection may be broken (server restarted): the next call opens a new one.
            pool.forget()
            raise

    def forget_made(self) -> None:
        """Make the table again on next use (a test dropped the database)."""
        _made.discard((self.url, self.name))
