"""The spreadsheet as one step sees it: opened once per start (and set up when its tabs or
header rows are not as they should be), read once a step, its dropdowns refreshed when the
owners or stages change.

The one read (``values.batchGet``) is the whole Triage tab when ``positions`` says it must be
read; the key column of Intake and the first columns of Problems only when they are needed,
so a quiet step costs at most one read.
"""

from __future__ import annotations

import logging

import gspread

from .layout import (
    INTAKE,
    PROBLEM_HEADER,
    PROBLEMS,
    TABS,
    TRIAGE,
    TRIAGE_COLUMNS,
    TRIAGE_HEADER,
    a1,
    col_letter,
    setup,
)

log = logging.getLogger("forms_app.sheets")
#: Intake's key column is read at least this often, so a row deleted by hand comes back.
INTAKE_CHECK_SECONDS = 3600.0
WIDTH = len(TRIAGE_COLUMNS)


def open_once(worker) -> None:
    """Open the spreadsheet unless it is open: set it up when its tabs or header rows are
    not as they should be, then find each tab."""
    if worker.spreadsheet is not None:
        return
    key = worker.config.spreadsheet_key
    spreadsheet = worker.call(lambda: worker.client.open_by_key(key), write=False)
    meta = worker.call(spreadsheet.fetch_sheet_metadata, write=False)
    titles = {s["properties"]["title"] for s in meta.get("sheets", [])}
    layout = worker.layout()
    right = False
    if set(TABS) <= titles:
        wanted = [layout.intake_header, TRIAGE_HEADER, PROBLEM_HEADER]
        heads = worker.call(
            lambda: spreadsheet.values_batch_get([a1(t, "1:1") for t in TABS]), write=False
        )["valueRanges"]
        have = [(r.get("values") or [[]])[0] for r in heads]
        right = have == wanted
    if not right:
        log.warning("sheets: tabs or headers not as expected: setting the sheet up")
        worker.call(lambda: setup(spreadsheet, layout, [worker.editor]), write=True)
        worker.outbox.set(dropdowns=layout.dropdown_hash())
        meta = worker.call(spreadsheet.fetch_sheet_metadata, write=False)
    worker.worksheets = {}
    for sheet in meta["sheets"]:
        title = sheet["properties"]["title"]
        if title in TABS:
            worker.worksheets[title] = gspread.Worksheet(
                spreadsheet, sheet["properties"], spreadsheet.id, spreadsheet.client
            )
            worker.sheet_ids[title] = sheet["properties"]["sheetId"]
    worker.spreadsheet = spreadsheet
    worker.outbox.note(intake_checked_at=0)  # check Intake once per start


def read(
    worker, intake: bool = False, problems: bool = False, triage: bool = True
) -> dict[str, list[list[str]]]:
    """One read: Triage (when ``triage`` asks for it), and the key column of Intake (when
    ``intake`` asks for it, an append is unclear or the hourly check is due) and the first
    three columns of Problems (key, when, reference: when ``problems`` asks for them or an
    append is unclear). No request at all when none of them is wanted."""
    now = worker.clock.time()
    outbox = worker.outbox
    wanted = [TRIAGE]
    if (
        intake
        or outbox.maybe(INTAKE)
        or now - float(outbox.get("intake_checked_at") or 0) >= INTAKE_CHECK_SECONDS
    ):
        wanted.append(INTAKE)
    if problems or outbox.maybe(PROBLEMS):
        wanted.append(PROBLEMS)
    if not triage:
        wanted.remove(TRIAGE)
        if not wanted:
            return {}
    ranges = [
        a1(
            tab,
            f"A1:{col_letter(WIDTH - 1)}" if tab == TRIAGE else "A:A" if tab == INTAKE else "A:C",
        )
        for tab in wanted
    ]
    reply = worker.call(lambda: worker.spreadsheet.values_batch_get(ranges), write=False)
    if triage:  # the edits of a step are those since the last time Triage was read
        outbox.note(previous_read_at=outbox.get("last_read_at"), last_read_at=now)
    values = [r.get("values", []) for r in reply["valueRanges"]]
    return dict(zip(wanted, values, strict=True))


def refresh_dropdowns(worker) -> None:
    """Send the Triage tab's dropdowns again when the owners or stages changed."""
    layout = worker.layout()
    digest = layout.dropdown_hash()
    if worker.outbox.get("dropdowns") == digest:
        return
    requests = layout.validation_requests(worker.sheet_ids[TRIAGE])
    worker.call(lambda: worker.spreadsheet.batch_update({"requests": requests}), write=True)
    worker.outbox.set(dropdowns=digest)
