"""Following tables as they grow: the rows appended since a reader last looked, and where each
reference's row is, so that a process keeps its view of the cases current by reading only what
is new (the staff pages cost the same with a thousand cases or a hundred thousand).

A reader holds a ``ChangeCursor`` and treats it as opaque: it only gives it back. When a table
was replaced under it (erasure, retention purge) the cursor no longer matches and the reader is
told to start again (``Changes.restart``), with every row.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .table import Cursor, Table


@dataclass(frozen=True)
class ChangeCursor:
    """Where a reader has read each of some tables up to. Opaque to callers; ``cursor[name]``
    gives one table's position, for tests of the file engine."""

    names: tuple[str, ...]
    positions: tuple[Cursor | None, ...]

    def __getitem__(self, name: str) -> Cursor | None:
        return self.positions[self.names.index(name)]


@dataclass(frozen=True)
class Changes:
    """New rows per table, in the order written, and the cursor to ask with next time.

    ``restart`` says the cursor given no longer matched (a table was rewritten, or cut back and
    regrown): the reader must drop what it built and take ``rows`` as everything there is."""

    rows: Mapping[str, list[dict[str, str]]]
    cursor: ChangeCursor
    restart: bool = False


def read_changes(tables: Mapping[str, Table], cursor: object) -> Changes:
    """The rows appended to ``tables`` since ``cursor`` (every row if it is None or stale)."""
    names = tuple(tables)
    positions: Sequence[Cursor | None] | None = None
    if isinstance(cursor, ChangeCursor) and cursor.names == names:
        positions = cursor.positions
    restart = cursor is not None and positions is None
    while True:
        found: dict[str, list[dict[str, str]]] = {}
        reached: list[Cursor | None] = []
        for at, name in enumerate(names):
            rows, position, stale = tables[name].read_new_rows(positions[at] if positions else None)
            if stale:
                break
            found[name] = rows
            reached.append(position)
        else:
            return Changes(found, ChangeCursor(names, tuple(reached)), restart)
        # One table was replaced: what was read of the others must be read again with it, from
        # the start, so that the reader never keeps rows of a case that is no longer there.
        positions, restart = None, True


class RowsByRef:
    """Where each reference's row is in one table (the last row for a reference wins), kept
    current by reading only what was appended, so that one row is read without the table."""

    def __init__(self, table: Table):
        self.table = table
        self._mutex = threading.Lock()
        self._cursor: Cursor | None = None
        self._where: dict[str, tuple[int, int]] = {}  # ref -> byte range of its record

    def find(self, ref: str) -> dict[str, str] | None:
        """The row for ``ref``, or None if there is none."""
        with self._mutex:
            rows, cursor, restart = self.table.read_new(self._cursor)
            if restart:
                self._where.clear()
            for located in rows:
                self._where[located.row["ref"]] = (located.start, located.end)
            self._cursor = cursor
            where = self._where.get(ref)
        if where is None:
            return None
        row = self.table.read_at(*where)
        if row is None or row.get("ref") != ref:
            # Rewritten since it was read (erasure): look the slow way.
            return next((found for found in self.table.read() if found.get("ref") == ref), None)
        return row
