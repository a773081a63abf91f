"""Personal rows whose submission never landed: a commit that died between its two writes.

A submission is committed in two appends: its personal row, then its submission row (the commit
point). A process killed in between leaves a personal row with no submission. At the end of the
file such rows are cut before anything is appended after them; once a committed row follows
them they are stranded, and their references are kept out of use.
"""

from __future__ import annotations

from collections.abc import Container
from itertools import compress
from operator import not_
from typing import TYPE_CHECKING

from .records import leading_cells
from .scanning import Batch

if TYPE_CHECKING:
    from .table import Table


class Uncommitted:
    """Personal rows with no submission, found while reading personal records in file order.

    ``trailing`` counts those after the last committed row (from ``trailing_start``): a commit
    that died between its two writes, to be cut. ``stranded`` has the refs of those with a
    committed row after them, which cannot be cut (a row was appended after them).
    """

    def __init__(self, committed: Container[bytes], personal: Table | None):
        self.committed = committed
        self.ref_at = personal.columns.index("ref") if personal is not None else 0
        self.stranded: set[bytes] = set()
        self._trailing: list[bytes] = []
        self.trailing_start = 0

    @property
    def trailing(self) -> int:
        return len(self._trailing)

    def add(self, batch: Batch) -> None:
        (refs,) = leading_cells(batch.records, (self.ref_at,))
        committed = list(map(self.committed.__contains__, refs))
        if all(committed):  # as nearly always
            self.stranded.update(self._trailing)
            self._trailing = []
            return
        if True not in committed:
            if not self._trailing:
                self.trailing_start = batch.start
            self._trailing.extend(refs)
            return
        last = len(committed) - 1 - committed[::-1].index(True)
        self.stranded.update(self._trailing)
        self.stranded.update(compress(refs[:last], map(not_, committed[:last])))
        self._trailing = refs[last + 1 :]
        if self._trailing:
            done = batch.records[: last + 1]
            self.trailing_start = batch.start + sum(map(len, done)) + len(done)
