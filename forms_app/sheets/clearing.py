"""Taking rows out of the sheet for a person's rights over their data.

- Withheld cases (``rows.withheld``: confidential, safeguarding, or restricted under UK GDPR
  Art 18) are not sent to Intake. The Intake row of a case withheld after it was sent is
  cleared (what the person wrote, and their details if the sheet holds them) and the case
  leaves the Intake outbox, so clearing the flag or lifting the restriction sends it again.
  Its Triage row stays, showing only the reference and status (``rows.triage_values``). A
  restricted case not yet in Triage is not sent there either, until the restriction is
  lifted.
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
from .rows import withheld

log = logging.getLogger("forms_app.sheets")
WIDTH = len(TRIAGE_COLUMNS)


def clear_restricted(worker, read: dict, restricted: set[str]) -> int:
    """Clear the Intake rows of withheld cases (``read`` holds Intake's key column, read
    after the flag or restriction) and take them out of the outbox, so that clearing it
    sends them again. Returns how many rows were cleared."""
    if not restricted:
        return 0
    cleared = _clear_rows(worker, read, INTAKE, restricted)
    for ref in restricted:
        worker.outbox.drop(INTAKE, ref)
    worker.known[INTAKE] -= restricted
    if cleared:
        log.info("sheets: cleared %d Intake rows of withheld cases", cleared)
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
    or flag is lifted) if the case was restricted (or, for Intake, withheld) after it was
    queued."""
    case = worker.index.get(ref)
    if case is None or not (withheld(case) if tab == INTAKE else is_restricted(case)):
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
