"""Shared tables for the small stores that are SQLite files without a database: the tracking
page's codes and secrets, the questionnaires' invitations and answers, and the links of
requests to investigating managers.

Their callers were written for the files and treat a store they cannot reach as a disk that
failed (``OSError``: the page says "try again", nothing else breaks). ``SmallTable`` keeps that
promise: a database error inside one of its transactions reaches the caller as
``DatabaseUnavailable``, an ``OSError``. Every commit waits for the disk (``durable``), as
the files sync every commit.

Erasure deletes rows; PostgreSQL keeps a deleted row's bytes in its table until ``VACUUM``
makes the space reusable, so ``vacuum`` runs one after rows are removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from .shared import SharedTable


class DatabaseUnavailable(OSError):
    """The shared database could not do what was asked (down, unreachable, refused)."""


class SmallTable(SharedTable):
    """A ``SharedTable`` whose errors reach callers as ``OSError``."""

    @contextmanager
    def durable(self) -> Iterator[psycopg.Connection]:
        try:
            with super().durable() as connection:
                yield connection
        except psycopg.Error as error:
            raise DatabaseUnavailable(f"{self.name}: {type(error).__name__}") from error

    def rows(self, query: str, params=()) -> list[tuple]:
        """The rows of one read, in a transaction of its own."""
        with self.durable() as connection:
            return connection.execute(query, params).fetchall()

    def change(self, query: str, params=()) -> int:
        """How many rows one statement changed, committed durably."""
        with self.durable() as connection:
            return connection.execute(query, params).rowcount

    def forget_cases(self, refs: list[str], *tables: str) -> int:
        """Delete every row of these cases from ``tables`` (each has a ``ref`` column) in one
        transaction, then vacuum them; how many rows went."""
        refs = list(refs)
        with self.durable() as connection:
            removed = sum(
                connection.execute(f"DELETE FROM {table} WHERE ref = ANY(%s)", (refs,)).rowcount
                for table in tables
            )
        if removed:
            self.vacuum(*tables)
        return removed

    def vacuum(self, *tables: str) -> None:
        """Make the space of deleted rows reusable, so their bytes are written over sooner.
        Best effort: a failure leaves that to the database's own autovacuum."""
        connection = self.connections.get()
        for table in tables:
            try:
                # Outside a transaction: VACUUM refuses to run inside one.
                connection.execute(f"VACUUM {table}")
            except psycopg.Error:
                self.connections.forget()
                return
