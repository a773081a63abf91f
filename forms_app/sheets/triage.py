"""The Triage tab, both ways: staff edits pulled in, and each row kept up to date.

- ``pull``: a staff column that differs from what the worker last wrote there is an edit.
  Valid edits become events (``forms_app.sheets.pull`` has the rules), attributed to
  ``sheet``, or to the editor when the Drive revision history shows one person; invalid
  ones are reported once each: a note on the cell and a Problems row, and the case stays as
  it was. A note goes when its cell changes.
- ``update``: rewrite the rows whose values changed (stage, owner, due dates, deadline
  status...), keeping a reported value where staff typed it so the note still makes sense.
- ``values``: what a case's Triage cells hold today.

What the worker last wrote to the staff columns (``worker.seen``) is kept in the outbox, so
an edit made while the worker was stopped is still an edit when it starts.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import UTC, date, datetime

from forms_app.casework.events import record
from forms_app.casework.flags import is_restricted
from forms_app.storage.store import SUBMISSIONS

from . import attribution
from .layout import EDITABLE, PROBLEMS, TRIAGE, TRIAGE_KEYS
from .pull import LABELS, Problem, Rules, interpret
from .retry import SyncFailure
from .rows import as_row, cell, local_time, summary_of, triage_values

log = logging.getLogger("forms_app.sheets")


def pull(worker, rows: dict, cases: dict, report) -> None:
    """Turn the staff edits in ``rows`` (ref -> (row number, cells)) into events, or into
    problems; clear the notes of cells changed since they were reported."""
    reported = worker.outbox.reported()
    notes, cleared = [], []
    for (ref, column), (value, _problem) in reported.items():
        place = rows.get(ref)
        col = TRIAGE_KEYS.index(column)
        if place is None or place[1][col] != value:
            cleared.append((ref, column))  # changed since: the note goes
            if place is not None:
                notes.append((place[0], col + 1, ""))
    worker.outbox.clear_reported(cleared)
    edits_by_ref: dict[str, dict[str, str]] = {}
    for ref, (_number, cells) in rows.items():
        last = worker.seen.get(ref)
        if last is None or ref not in cases:
            continue  # never written by this worker: the data package wins
        edits = {}
        for key in EDITABLE:
            value = cells[TRIAGE_KEYS.index(key)]
            if value == last.get(key, ""):
                continue
            if reported.get((ref, key), ("",))[0] == value and (ref, key) not in cleared:
                continue  # reported already, and still as it was
            edits[key] = value
        if edits:
            edits_by_ref[ref] = edits
    if edits_by_ref:
        rules = _rules(worker)
        all_events: list[dict] = []
        problems: list[Problem] = []
        accepted: dict[str, dict[str, str]] = {}
        for ref, edits in edits_by_ref.items():
            events, found = interpret(cases[ref], edits, rules)
            all_events += events
            problems += found
            bad = {p.column for p in found}
            accepted[ref] = {k: v for k, v in edits.items() if k not in bad}
        if all_events:
            # Stored before anything else is remembered: if this fails, the edits are
            # still edits next time.
            record(worker.parts.store, worker.parts.contract, all_events)
            worker.index.refresh()
            report.events += len(all_events)
            log.info("sheets: %d events from staff edits", len(all_events))
        for ref, good in accepted.items():
            worker.seen[ref] = {**worker.seen.get(ref, {}), **good}
        worker.outbox.set_editable({ref: worker.seen[ref] for ref in accepted})
        if problems:
            _report(worker, problems, rows, notes)
            report.problems += len(problems)
    if notes:
        worker.pusher.notes(worker.spreadsheet, worker.sheet_ids[TRIAGE], notes)


def _report(worker, problems: list[Problem], rows: dict, notes: list) -> None:
    """Queue a Problems row for each problem, remember it as reported, and add its note."""
    now = worker.clock.time()
    when = local_time(datetime.fromtimestamp(now, UTC).isoformat())
    items, reported = [], []
    for p in problems:
        ident = "P-" + secrets.token_hex(5)
        row = [ident, when, p.ref, LABELS[p.column], cell(p.value), cell(p.message)]
        items.append((ident, now, json.dumps({"ref": p.ref, "row": row})))
        reported.append((p.ref, p.column, p.value, p.message))
        current = worker.seen.get(p.ref, {}).get(p.column, "")
        text = (
            f"Not applied: {p.message}.\nThe case still says: {current or '(blank)'}.\n"
            f"Change the value, or put it back. ({when}; see the Problems tab)"
        )
        notes.append((rows[p.ref][0], TRIAGE_KEYS.index(p.column) + 1, cell(text)))
    worker.outbox.enqueue(PROBLEMS, items)
    worker.outbox.add_reported(reported)
    log.info("sheets: %d staff edits not applied (see the Problems tab)", len(problems))


def update(worker, rows: dict, cases: dict, report) -> None:
    """Rewrite the Triage rows whose cells differ from the case's values today."""
    today = worker.today()
    reported = worker.outbox.reported()
    changed: list[tuple[int, list[str]]] = []
    seen: dict[str, dict[str, str]] = {}
    for ref, (number, cells) in rows.items():
        case = cases.get(ref)
        if case is None:
            continue
        computed = values(worker, case, today)
        wanted = computed
        for key in EDITABLE:
            typed = cells[TRIAGE_KEYS.index(key)]
            if (ref, key) in reported and typed == reported[(ref, key)][0]:
                wanted = {**wanted, key: typed}  # keep what was typed
        row = as_row(wanted)
        if row != cells:
            changed.append((number, row))
        editable = {k: computed[k] for k in EDITABLE}
        if worker.seen.get(ref) != editable:
            seen[ref] = editable
    if changed:
        worker.pusher.update_rows(worker.spreadsheet, TRIAGE, changed)
        report.rows_updated = len(changed)
    if seen:
        worker.seen.update(seen)
        worker.outbox.set_editable(seen)


def values(worker, case, today: date) -> dict[str, str]:
    """The case's Triage cells, remembered until the case or the day changes."""
    cached = worker.triage_cache.get(case.ref)
    if cached is not None and cached[0] == case.version and cached[1] == today:
        return cached[2]
    service = worker.settings.service(case.service)
    # A restricted case's row already in the sheet keeps its reference and progress, but
    # the summary of what the person wrote (the personal part) is blanked by the update.
    summary = "" if is_restricted(case) else _summary(worker, case.ref)
    cells = triage_values(
        case,
        worker.index.deadline(case, today),
        summary,
        service.name if service else case.service,
    )
    worker.triage_cache[case.ref] = (case.version, today, cells)
    return cells


def _summary(worker, ref: str) -> str:
    summaries = worker.summaries
    if ref not in summaries:
        if not summaries:  # first use: one pass over the file
            for row in worker.parts.store.rows(SUBMISSIONS):
                summaries[row["ref"]] = summary_of(
                    row.get("details", ""), worker.config.summary_chars
                )
        if ref not in summaries:
            row = worker.parts.store.find(ref) or {}
            summaries[ref] = summary_of(row.get("details", ""), worker.config.summary_chars)
    return summaries[ref]


def _rules(worker) -> Rules:
    """What the staff columns may hold now, and who made the edits since the last read."""
    now = datetime.fromtimestamp(worker.clock.time(), UTC)
    since = float(worker.outbox.get("previous_read_at") or 0)
    actor = attribution.SHEET
    try:
        editors = attribution.editors_since(
            worker.client.http_client,
            worker.config.spreadsheet_key,
            since,
            lambda fn: worker.call(fn, write=False),
        )
        by_email = {u.email.lower(): u.username for u in worker.users.all() if u.email}
        actor = attribution.actor_for(editors, by_email)
    except SyncFailure as failure:
        log.warning("sheets: who edited is unknown (Drive revisions: %s)", failure)
    return Rules(
        contract=worker.parts.contract,
        procedure_for=worker.index.procedure_for,
        themes={t.code: t.name for t in worker.settings.themes},
        owners=worker.owners(),
        today=worker.today(),
        now=now,
        actor=actor,
    )
