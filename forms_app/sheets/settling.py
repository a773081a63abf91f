"""Settling what the sheet holds against the outbox, from the step's one read.

- ``settle``: an append whose reply was unclear (a timeout, a 500 after the write landed)
  left its keys ``maybe``; the tab's key column says which arrived (``sent``) and which did
  not (``pending`` again). A row deleted by hand from Intake or Triage is queued again.
- ``triage_rows``: the Triage rows by reference. A reference found on several identical
  rows (an append sent twice) keeps the first and the others are cleared; one found on
  differing rows is left for a person, counted in ``feedback sheets status`` and not pulled.

Rows are always found by reference, never by row number: staff sort, filter and insert rows.
"""

from __future__ import annotations

import logging

from .layout import INTAKE, PROBLEMS, TRIAGE, TRIAGE_COLUMNS, TRIAGE_HEADER, LayoutError

log = logging.getLogger("forms_app.sheets")
WIDTH = len(TRIAGE_COLUMNS)


def settle(worker, read: dict, report) -> None:
    """Resolve the unclear appends of every tab ``read`` holds, and queue again the rows of
    Intake and Triage that are missing from the sheet."""
    now = worker.clock.time()
    for tab in (INTAKE, PROBLEMS):
        if tab not in read:
            continue
        keys = [row[0] for row in read[tab][1:] if row]
        present = set(keys)
        confirmed, requeued = worker.outbox.resolve(tab, present, now)
        report.confirmed += confirmed
        report.requeued += requeued
        duplicates = len(keys) - len(present)
        if tab == INTAKE:
            lost = worker.outbox.requeue_missing(INTAKE, present)
            if lost:
                log.warning("sheets: %d Intake rows were missing: sending them again", len(lost))
            worker.outbox.note(intake_checked_at=now, intake_duplicates=duplicates)
            report.duplicates[INTAKE] = duplicates
    if TRIAGE not in read:
        return  # not read this step: nobody but the service changed it (``positions``)
    rows = read[TRIAGE]
    present = {row[0].strip() for row in rows[1:] if row and row[0].strip()}
    confirmed, requeued = worker.outbox.resolve(TRIAGE, present, now)
    report.confirmed += confirmed
    report.requeued += requeued
    lost = worker.outbox.requeue_missing(TRIAGE, present)
    if lost:
        log.warning("sheets: %d Triage rows were missing: sending them again", len(lost))


def triage_rows(worker, read: dict, report) -> dict[str, tuple[int, list[str]]]:
    """ref -> (row number, the row's cells) for refs found exactly once; exact duplicate
    rows are cleared, differing ones left for a person (and not pulled)."""
    rows = read[TRIAGE]
    if rows and [c.strip() for c in rows[0][:WIDTH]] != TRIAGE_HEADER:
        raise LayoutError(
            "the Triage tab's header row was changed: put it back or run feedback sheets setup"
        )
    found: dict[str, list[tuple[int, list[str]]]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not row or not row[0].strip():
            continue
        cells = (list(row) + [""] * WIDTH)[:WIDTH]
        found.setdefault(cells[0].strip(), []).append((number, cells))
    single: dict[str, tuple[int, list[str]]] = {}
    clear: list[int] = []
    differing = 0
    for ref, places in found.items():
        if len(places) == 1:
            single[ref] = places[0]
            continue
        first = places[0][1]
        extra = [number for number, cells in places[1:] if cells == first]
        if len(extra) == len(places) - 1:
            clear += extra
            single[ref] = places[0]
        else:
            differing += 1
    if clear:
        log.warning("sheets: clearing %d duplicate Triage rows", len(clear))
        worker.pusher.clear_rows(worker.spreadsheet, TRIAGE, clear, WIDTH)
    report.duplicates[TRIAGE] = differing
    worker.outbox.note(triage_duplicates=differing)
    return single
