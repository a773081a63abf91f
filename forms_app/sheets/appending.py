"""New rows for each tab, from the outbox's queue: submissions to Intake, cases to Triage,
problems to Problems (``push.Pusher.append`` sends them exactly once).

A case erased or purged since it was queued is dropped, never sent. A case restricted since
it was queued leaves the queue, to be queued again if the restriction is lifted.
"""

from __future__ import annotations

import json

from .clearing import restricted_since_queued
from .layout import EDITABLE, INTAKE, PROBLEMS, TRIAGE, TRIAGE_KEYS
from .rows import as_row, intake_row
from .triage import values


def push_intake(worker) -> int:
    """Append the queued submissions to Intake; how many rows went."""
    pending = worker.outbox.pending(INTAKE)
    if not pending:
        return 0
    items = []
    store = worker.parts.store
    layout = worker.layout()
    for ref, _payload in pending:
        submission = store.find(ref)
        if submission is None:  # erased or purged since: nothing to send, ever
            worker.outbox.forget(ref)
            continue
        if restricted_since_queued(worker, INTAKE, ref):
            continue
        personal = worker.index.personal(ref) if worker.config.include_personal else None
        items.append((ref, intake_row(layout, submission, personal)))
    return worker.pusher.append(worker.worksheets[INTAKE], INTAKE, items)


def push_triage(worker, cases: dict) -> int:
    """Append the queued cases to Triage; how many rows went. The staff columns of each
    are remembered before the request goes, so a later difference is a person's edit."""
    pending = worker.outbox.pending(TRIAGE)
    if not pending:
        return 0
    today = worker.today()
    items = []
    for ref, _payload in pending:
        case = cases.get(ref)
        if case is None:  # erased or purged since
            worker.outbox.forget(ref)
            continue
        if restricted_since_queued(worker, TRIAGE, ref):
            continue
        items.append((ref, as_row(values(worker, case, today))))
    by_ref = dict(items)

    def remember(keys):
        cells = {k: dict(zip(TRIAGE_KEYS, by_ref[k], strict=True)) for k in keys}
        editable = {k: {c: v[c] for c in EDITABLE} for k, v in cells.items()}
        worker.seen.update(editable)
        worker.outbox.set_editable(editable)

    return worker.pusher.append(
        worker.worksheets[TRIAGE],
        TRIAGE,
        items,
        before_send=remember,
        placed=worker.positions.placed,
    )


def push_problems(worker) -> None:
    """Append the queued Problems rows."""
    pending = worker.outbox.pending(PROBLEMS)
    if pending:
        items = [(key, json.loads(payload)["row"]) for key, payload in pending]
        worker.pusher.append(worker.worksheets[PROBLEMS], PROBLEMS, items)
