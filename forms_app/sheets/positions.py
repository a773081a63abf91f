"""Where each case's Triage row is, kept between steps, so that a step reads the whole Triage
tab only when it must and otherwise costs the same with 1,000 cases or 100,000.

The Sheets API cannot say which cells changed. What can move or change a row is a person
(sorting, inserting, deleting, typing) or the service itself. A person's change makes a
revision in the file's Drive history under their name; the service's own appends say where
their rows went (``updatedRange``). So the whole tab is read (``needs_full_read``):

- when the positions are not known (the first step, an append whose reply was lost);
- when anyone but the service changed the file since the last whole read (the revision
  history, or the history could not be read);
- once a new day starts (the deadline columns change with the day), and at least every
  ``FULL_READ_SECONDS``: Google merges revisions made close together under the last editor,
  so a person's change followed at once by the service's write could hide behind it; this
  bounds how long such an edit can wait;
- when something else needs the whole tab: rows of erased cases to clear, an unclear
  append to settle, edits waiting to be attributed.

Between whole reads, a step rewrites only the rows of the cases that changed (found through
the store's ``changes_since``), at the positions kept here.
"""

from __future__ import annotations

import logging
import re
from datetime import date

from . import attribution
from .layout import TRIAGE
from .retry import SyncFailure

log = logging.getLogger("forms_app.sheets")
FULL_READ_SECONDS = 600.0
_FIRST_ROW = re.compile(r"!\$?[A-Z]+\$?(\d+)")


class Positions:
    """Each reference's Triage row number and cells, as last read or written."""

    def __init__(self):
        self.rows: dict[str, tuple[int, list[str]]] = {}
        self.known = False
        self.day: date | None = None
        self.read_at = 0.0
        self.last = 1  # the last row the tab is known to use (1: the header)

    def learn(self, rows: dict[str, tuple[int, list[str]]], last: int, day: date, at: float):
        """The whole tab was read at ``at``: ``rows`` is where every reference is."""
        self.rows = dict(rows)
        self.last = max(last, 1)
        self.known, self.day, self.read_at = True, day, at

    def forget(self) -> None:
        self.known = False

    def placed(self, keys: list[str], values: list[list[str]], reply) -> None:
        """An append's reply: its rows start at ``updatedRange``'s first row. Rows inserted
        between others (Google appends after the first block of filled rows, so into the first
        empty row of the tab) moved every row from there down by as many."""
        match = _FIRST_ROW.search(str(((reply or {}).get("updates") or {}).get("updatedRange")))
        if match is None:
            self.known = False
            return
        first = int(match.group(1))
        if first <= self.last:
            shift = len(keys)
            self.rows = {
                ref: (number + shift if number >= first else number, cells)
                for ref, (number, cells) in self.rows.items()
            }
            self.last += shift
        for offset, (key, row) in enumerate(zip(keys, values, strict=True)):
            self.rows[key] = (first + offset, list(row))
        self.last = max(self.last, first + len(keys) - 1)

    def wrote(self, ref: str, row: list[str]) -> None:
        if ref in self.rows:
            self.rows[ref] = (self.rows[ref][0], list(row))

    def of(self, refs) -> dict[str, tuple[int, list[str]]]:
        """The kept rows of ``refs`` (those the tab holds)."""
        return {ref: self.rows[ref] for ref in refs if ref in self.rows}


def needs_full_read(worker, gone: set[str]) -> bool:
    """Whether this step must read the whole Triage tab (see the module's docstring)."""
    positions = worker.positions
    now = worker.clock.time()
    if (
        not positions.known
        or positions.day != worker.today()
        or now - positions.read_at >= FULL_READ_SECONDS
        or gone
        or worker.outbox.maybe(TRIAGE)
        or worker.outbox.get("held_at") is not None
    ):
        return True
    try:
        others = attribution.editors_since(
            worker.client.http_client,
            worker.config.spreadsheet_key,
            positions.read_at,
            lambda fn: worker.call(fn, write=False),
        )
    except SyncFailure as failure:
        log.warning("sheets: reading the whole Triage tab (Drive revisions: %s)", failure)
        return True
    return bool(others)
