"""Taking rows out of the sheet for a person's rights over their data.

- Restriction (UK GDPR Art 18): a restricted case is not sent. The Intake row of a case
  restricted after it was sent is cleared (what the person wrote, and their details if the
  sheet holds them) and the case leaves the outbox, so lifting the restriction sends it again.
  Its Triage row stays, with the summary blanked (``triage.values``).
- Erasure and purging (UK GDPR Art 17, and retention): ``forms_app.records.retention.reach``
  queues the reference (``CLEARING``); the next step clears the case's Intake, Triage and
  Problems rows and then forgets the reference.

Each works from the step's one read, made after the case was restricted or queued, so a row
appended before then is found.
"""

from __future__ import annotations

import logging

from forms_app.casework.flags import is_restricted

from .layout import INTAKE, PROBLEM_HEADER, PROBLEMS, TRIAGE, TRIAGE_COLUMNS
from .outbox import CLEARING

log = logging.getLogger("forms_app.sheets")
WIDTH = len(TRIAGE_COLUMNS)


def clear_restricted(worker, read: dict, restricted: set[str]) -> int:
    """Clear the Intake rows of restricted cases (``read`` holds Intake's key column, read
    after the restriction) and take them out of the outbox, so that lifting the restriction
    sends them again. Returns how many rows were cleared."""
    if not restricted:
        return 0
    cleared = _clear_rows(worker, read, INTAKE, restricted)
    for ref in restricted:
        worker.outbox.drop(INTAKE, ref)
    worker.known[INTAKE] -= restricted
    if cleared:
        log.info("sheets: cleared %d Intake rows of restricted cases", cleared)
    return cleared


def clear_gone(worker, read: dict, gone: set[str]) -> int:
    """Clear the Intake, Triage and Problems rows of erased or purged cases (``read``
    holds Intake's key column, all of Triage and the references of Problems, read after
    they were queued), then take them out of the queue. Returns how many rows went."""
    if not gone:
        return 0
    cleared = sum(_clear_rows(worker, read, tab, gone) for tab in (INTAKE, TRIAGE, PROBLEMS))
    for ref in gone:
        worker.outbox.drop(CLEARING, ref)
    for known in worker.known.values():
        known -= gone
    log.info("sheets: cleared %d rows of %d erased or purged cases", cleared, len(gone))
    return cleared


def restricted_since_queued(worker, tab: str, ref: str) -> bool:
    """True (and the case taken out of the queue, to be queued again when the restriction
    is lifted) if the case was restricted after it was queued."""
    case = worker.index.get(ref)
    if case is None or not is_restricted(case):
        return False
    worker.outbox.drop_pending(tab, ref)
    worker.known[tab].discard(ref)
    return True


def _clear_rows(worker, read: dict, tab: str, refs: set[str]) -> int:
    """Clear every row of ``tab`` whose reference is one of ``refs``; how many."""
    at = PROBLEM_HEADER.index("Reference") if tab == PROBLEMS else 0
    numbers = [
        number
        for number, row in enumerate(read[tab][1:], start=2)
        if len(row) > at and row[at].strip() in refs
    ]
    if numbers:
        width = {TRIAGE: WIDTH, PROBLEMS: len(PROBLEM_HEADER)}.get(tab)
        width = width or len(worker.layout().intake_header)
        worker.pusher.clear_rows(worker.spreadsheet, tab, numbers, width)
    return len(numbers)
