"""Folding every case of the tables for a report, read once from the first row: each submission
starts a case (``Case.from_submission``) and each counted event is applied to its case as it is
read (``Case.apply``: the same fold as the staff pages, in the order written). Each case is then
taken as the report counts it (``counted``).

The same pass collects what the PII gate must know was written on cases (``CaseWriting``: every
actor, whoever a case was assigned to, every note, and what people wrote), so the report reads
each table once.
"""

from __future__ import annotations

from dataclasses import dataclass

from forms_app.casework.state import SUBMISSION_COLUMNS, Case
from forms_app.procedures.profiles import Procedure, ProcedureError, load_procedure
from forms_app.storage.records import row_maker
from forms_app.storage.store import EVENTS, SUBMISSIONS

from .counted import Counted, counted
from .pii_sources import CaseWriting

#: Event types that change nothing a report counts (who owns a case, letters, contacts, notes,
#: sign-off, causes and remedies, reviews, progress on actions; an action's target date is
#: counted, for the summary's "the earliest is due by"). They are left out of the fold
#: for speed: the state they set is never read here. (The PII gate reads every event, for who
#: wrote them and what they say: ``pii_sources.case_writing``.)
NOT_COUNTED = frozenset(
    {
        "assigned",
        "letter_sent",
        "contact_logged",
        "note",
        "signed_off",
        "cause_recorded",
        "remedy_recorded",
        "review_set",
        "action_owner_set",
        "action_updated",
    }
)

#: The submission columns a case is folded from (``Case.from_submission``).
FOLDED = SUBMISSION_COLUMNS


@dataclass
class Folded:
    """Every case of the tables as the report counts it, in the order stored (duplicates merged
    into another case too), and what was read beside them."""

    cases: list[Counted]
    on_behalf: dict[str, str]  # ref -> self / someone_else
    writing: CaseWriting
    #: Saves what was folded for the next report to start from (None when nothing can be).
    saving: object = None
    #: How many rows were read after the saved cases it started from; None if it folded every
    #: case from the first row.
    since_saved: int | None = None
    #: The folded cases themselves, kept with the result: freeing a million small objects one
    #: by one takes longer than a process takes to end (a report's forked process never does).
    folded: list | None = None


class Procedures:
    """The procedures the cases follow, by code, each read once (a code no profile has is
    counted under the default procedure)."""

    def __init__(self, default: Procedure):
        self.default = default
        self.by_code: dict[str, Procedure] = {default.code: default}
        self._first: dict[str, str] = {default.code: default.first_stage.code}

    def first_stage(self, code: str) -> str:
        """The first stage of the procedure ``code``, where a complaint under it starts."""
        found = self._first.get(code)
        if found is None:
            try:
                self.by_code[code] = load_procedure(code)
            except ProcedureError:
                self.by_code[code] = self.default
            found = self._first[code] = self.by_code[code].first_stage.code
        return found

    @property
    def first_stages(self) -> dict[str, str]:
        """``{procedure code: first stage}`` for every code met so far."""
        return dict(self._first)


def fold_tables(tables, procedures: Procedures) -> tuple[list[Case], dict[str, str], CaseWriting]:
    """Every case of the tables (any reader with ``cells``), folded (see the module
    docstring): returns (the cases, ``{ref: on_behalf}``, what was written on them)."""
    writing = CaseWriting(set(), set())
    cases, by_ref, on_behalf = _start_cases(tables, procedures, writing.narratives)
    _fold_events(tables, by_ref, writing)
    writing.actors.discard("")
    writing.narratives.discard("")
    return cases, on_behalf, writing


def fold_all(tables, procedures: Procedures) -> Folded:
    """``fold_tables``, each case taken as the report counts it."""
    cases, on_behalf, writing = fold_tables(tables, procedures)
    return Folded([counted(case) for case in cases], on_behalf, writing, folded=cases)


def _start_cases(tables, procedures: Procedures, narratives: set):
    """Each submission as a new case (``Case.from_submission``), in the order written: (the
    cases, ``{ref: [case, ...]}``, ``{ref: on_behalf}``). What people wrote (``details``,
    ``outcome_wanted``) goes into ``narratives``."""
    cases: list[Case] = []
    by_ref: dict[str, list[Case]] = {}
    on_behalf: dict[str, str] = {}
    at, _make, width, rows = tables.cells(SUBMISSIONS) or ({}, None, 0, ())
    row_of = row_maker(tuple((name, at[name]) for name in FOLDED if name in at))
    i_behalf = at.get("on_behalf")
    # A column the table lacks is read as "" (the cell added at the end of each row).
    i_details, i_wanted = at.get("details", width), at.get("outcome_wanted", width)
    add_narrative = narratives.add
    start = Case.from_submission
    first_stage = procedures.first_stage
    for cells in rows:
        if len(cells) != width:
            continue
        cells.append("")
        add_narrative(cells[i_details])
        add_narrative(cells[i_wanted])
        row = row_of(cells)
        case = start(row, first_stage(row.get("procedure") or ""))
        cases.append(case)
        ref = case.ref
        found = by_ref.get(ref)
        if found is None:
            by_ref[ref] = [case]
        else:  # the same reference twice (damaged data): each folds every event of the ref
            found.append(case)
        if i_behalf is not None and cells[i_behalf]:
            on_behalf[ref] = cells[i_behalf]
    return cases, by_ref, on_behalf


def _fold_events(tables, by_ref: dict[str, list[Case]], writing: CaseWriting):
    """Apply each counted event to its case as it is read, without first grouping them by
    case. Every event's actor (and whoever a case is assigned to) and note go into
    ``writing``."""
    events = tables.cells(EVENTS)
    if events is None:
        return
    at, make, width, rows = events
    i_ref, i_type = at["ref"], at["type"]
    i_actor, i_value, i_note = at["actor"], at["value"], at["note"]
    add_actor, add_narrative = writing.actors.add, writing.narratives.add
    skip = NOT_COUNTED
    get = by_ref.get
    last_ref, found = None, None
    for cells in rows:
        if len(cells) != width:
            continue
        add_actor(cells[i_actor])
        note = cells[i_note]
        if note:  # most events have none (and "" is left out of ``writing`` anyway)
            add_narrative(note)
        kind = cells[i_type]
        if kind in skip:
            if kind == "assigned":
                add_actor(cells[i_value])
            continue
        ref = cells[i_ref]
        if ref != last_ref:  # the events of a case mostly follow one another
            last_ref, found = ref, get(ref)
        if found is not None:
            event = make(cells)
            for case in found:
                case.apply(event)
