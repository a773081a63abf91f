"""The Triage tab, both ways: staff edits pulled in, and each row kept up to date.

- ``pull``: a staff column that differs from what the worker last wrote there is an edit.
  An edit is applied only if everyone who may have made it could make it in the staff pages
  (``editors``), then by the casework rules (``forms_app.sheets.pull``); it is attributed to
  ``sheet``, or to the editor when the Drive revision history shows one person. Refused
  edits are reported once each: a note on the cell and a Problems row, and the case stays as
  it was. A note goes when its cell changes. Both are written to the audit log.
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

from forms_app.casework.access import confidential_roles
from forms_app.casework.events import record
from forms_app.storage.store import SUBMISSIONS

from . import attribution
from .editors import Editors
from .layout import EDITABLE, PROBLEMS, TRIAGE, TRIAGE_KEYS
from .pull import LABELS, Problem, Rules, interpret
from .retry import SyncFailure
from .rows import as_row, cell, local_time, summary_of, triage_values, withheld

log = logging.getLogger("forms_app.sheets")
#: How long edits nobody can be named for wait (Drive failing, or not listing them yet)
#: before they are refused.
HOLD_SECONDS = 600.0


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
    worker.held = {}
    if edits_by_ref:
        rules, editors = _rules(worker)
        if _hold(worker, editors, edits_by_ref):
            edits_by_ref = {}
    if edits_by_ref:
        all_events: list[dict] = []
        problems: list[Problem] = []
        accepted: dict[str, dict[str, str]] = {}
        refused: list[tuple[Problem, str]] = []  # (problem, reason code for the audit log)
        for ref, edits in edits_by_ref.items():
            # First the staff pages' rule: only someone who may open the case may change it.
            why = editors.refusal(cases[ref])
            if why is not None:
                found = [Problem(ref, key, value, why.reason) for key, value in edits.items()]
                refused += [(p, why.code) for p in found]
                events = []
            else:
                events, found = interpret(cases[ref], edits, rules)
                refused += [(p, "refused_by_casework_rules") for p in found]
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
        _audit(worker, rules.actor, all_events, refused)
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
            elif worker.held.get((ref, key)) == typed:
                wanted = {**wanted, key: typed}  # an edit waiting to be attributed
        row = as_row(wanted)
        if row != cells:
            changed.append((number, row))
            worker.positions.wrote(ref, row)
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
    # A withheld case (confidential, safeguarding, restricted) shows only its reference and
    # status: ``triage_values`` blanks the rest, and what the person wrote is not even read.
    summary = "" if withheld(case) else _summary(worker, case.ref)
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


def _audit(worker, actor: str, events: list[dict], refused: list[tuple[Problem, str]]) -> None:
    """One audit entry per case changed from the sheet and per edit refused, as the staff
    pages record their changes (field names and reason codes, never the values typed)."""
    changed: dict[str, set[str]] = {}
    for row in events:
        changed.setdefault(row["ref"], set()).add(row["type"])
    for ref, types in changed.items():
        worker.audit(actor=actor, action="sheet.change", ref=ref, fields=sorted(types))
    for problem, code in refused:
        worker.audit(
            actor=actor,
            action="sheet.refused",
            ref=problem.ref,
            fields=[problem.column],
            detail=code,
        )


def _hold(worker, editors: Editors, edits_by_ref: dict) -> bool:
    """True when nobody can be named for this step's edits yet (the revision history could
    not be read, or does not list them yet: Google lists revisions with a delay) and the
    first such step was less than ``HOLD_SECONDS`` ago: the edits then wait in their cells,
    neither applied nor refused, and the next steps look again from the same time. After
    that they are refused (``editors.UNNAMED``)."""
    if editors.emails:
        worker.outbox.set(held_since=None, held_at=None)
        return False
    now = worker.clock.time()
    first = float(worker.outbox.get("held_at") or now)
    if now - first >= HOLD_SECONDS:
        worker.outbox.set(held_since=None, held_at=None)
        return False
    if worker.outbox.get("held_at") is None:
        worker.outbox.set(held_since=_since(worker), held_at=now)
    worker.held = {(ref, k): v for ref, edits in edits_by_ref.items() for k, v in edits.items()}
    log.warning("sheets: %d edits wait until who made them is known", len(worker.held))
    return True


def _since(worker) -> float:
    """The time the revision history is read from: the read before this step's, or earlier
    when edits are waiting to be attributed since then."""
    since = float(worker.outbox.get("previous_read_at") or 0)
    held = worker.outbox.get("held_since")
    return min(since, float(held)) if held is not None else since


def _rules(worker) -> tuple[Rules, Editors]:
    """What the staff columns may hold now, and who made the edits since the last read. When
    the revision history cannot be read nobody is named: the edits wait (``_hold``), never
    applied without knowing who may have made them."""
    now = datetime.fromtimestamp(worker.clock.time(), UTC)
    since = _since(worker)
    emails: list[str] = []
    try:
        emails = attribution.editors_since(
            worker.client.http_client,
            worker.config.spreadsheet_key,
            since,
            lambda fn: worker.call(fn, write=False),
        )
    except SyncFailure as failure:
        log.warning("sheets: who edited is unknown (Drive revisions: %s)", failure)
    editors = Editors.match(emails, worker.users.all(), confidential_roles(worker.settings.raw))
    rules = Rules(
        contract=worker.parts.contract,
        procedure_for=worker.index.procedure_for,
        themes={t.code: t.name for t in worker.settings.themes},
        owners=worker.owners(),
        today=worker.today(),
        now=now,
        actor=editors.actor,
    )
    return rules, editors
