"""Reading the data package for a report: every case folded from its submission and events
with ``casework.state.fold`` (the one definition of a case's state), and nothing from the
personal-details resource (the PII gate reads that, to know what must never be published).
The same pass over the events and submissions also collects what the PII gate must know was
written on cases (``Dataset.writing``, exactly what ``pii_sources.case_writing`` reads), so
the report reads each table once.

The tables are read from the engine the settings choose (``sources.open_tables``): the data
package through the storage layer's reader (``forms_app.storage.reading``: quick, without the
store's checksum checks, leaving out an incomplete last record), or PostgreSQL through a reader
of the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from forms_app.casework.state import SUBMISSION_COLUMNS, Case
from forms_app.procedures.profiles import (
    Procedure,
    ProcedureError,
    WorkingCalendar,
    load_procedure,
)
from forms_app.questionnaires.model import KNOWN
from forms_app.questionnaires.store import Answers
from forms_app.storage.reading import TableReader
from forms_app.storage.records import row_maker
from forms_app.storage.store import EVENTS, SUBMISSIONS

from .pii_sources import CaseWriting
from .sources import open_tables

__all__ = ["DataError", "Dataset", "load"]


class DataError(ValueError):
    """The data directory cannot be reported on."""


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
class Dataset:
    """The cases of a data directory, folded, and what the report needs besides."""

    cases: list[Case]
    procedures: dict[str, Procedure]
    default_procedure: Procedure
    closure_days: tuple[date, ...] = ()
    on_behalf: dict[str, str] = field(default_factory=dict)  # ref -> self / someone_else
    #: Questionnaire answers, by questionnaire: (month, answers) each, with nothing of the case.
    questionnaires: dict[str, list[tuple[str, dict]]] = field(default_factory=dict)
    _calendars: dict[str, WorkingCalendar] = field(default_factory=dict)
    #: Who acted on cases and what was written on them (``pii_sources.case_writing``).
    writing: CaseWriting | None = None

    def procedure_for(self, case: Case) -> Procedure:
        return self.procedures.get(case.procedure) or self.default_procedure

    def calendar_for(self, procedure: Procedure) -> WorkingCalendar:
        calendar = self._calendars.get(procedure.nation)
        if calendar is None:
            # Its working-day arithmetic is a look-up in a table shared by the process
            # (procedures.working_days), so counting for tens of thousands of stages is cheap.
            calendar = WorkingCalendar(procedure.nation, self.closure_days)
            self._calendars[procedure.nation] = calendar
        return calendar


def load(data_dir: Path, settings) -> Dataset:
    """Fold every case in ``data_dir`` (its submissions and events), or in the database the
    settings name."""
    tables = open_tables(data_dir, settings)
    if not tables.has(SUBMISSIONS):
        raise DataError(
            f"there is no {tables.describe(SUBMISSIONS)} in {data_dir}: nothing to report on"
        )
    try:
        default = load_procedure(settings.procedure)
    except ProcedureError as error:
        raise DataError(f"the procedure named in the settings: {error}") from error
    procedures = {default.code: default}
    writing = CaseWriting(set(), set())
    cases, by_ref, on_behalf = _start_cases(tables, default, procedures, writing.narratives)
    _fold_events(tables, by_ref, writing)
    writing.actors.discard("")
    writing.narratives.discard("")
    # A duplicate merged into another case is the same feedback: it is counted once, as the
    # case it was merged into. (What it says is still read by the PII gate, above.)
    cases = [case for case in cases if case.status != "merged"]
    years = range(2000, date.today().year + 3)
    return Dataset(
        cases=cases,
        procedures=procedures,
        default_procedure=default,
        closure_days=tuple(settings.closure_dates(years)),
        on_behalf=on_behalf,
        questionnaires=_questionnaires(data_dir),
        writing=writing,
    )


def _questionnaires(data_dir: Path) -> dict[str, list[tuple[str, dict]]]:
    """Every questionnaire's answers (none when nobody has been invited yet)."""
    answers = Answers.existing(data_dir)
    if answers is None:
        return {}
    with answers:
        return {key: answers.responses(key) for key in KNOWN}


def _start_cases(tables: TableReader, default: Procedure, procedures: dict, narratives: set):
    """Each submission as a new case (``Case.from_submission``), in the order written: (the
    cases, ``{ref: [case, ...]}``, ``{ref: on_behalf}``). What people wrote (``details``,
    ``outcome_wanted``) goes into ``narratives``."""
    cases: list[Case] = []
    by_ref: dict[str, list[Case]] = {}
    on_behalf: dict[str, str] = {}
    first_stage: dict[str, str] = {default.code: default.first_stage.code}
    at, _make, width, rows = tables.cells(SUBMISSIONS) or ({}, None, 0, ())
    row_of = row_maker(tuple((name, at[name]) for name in FOLDED if name in at))
    i_behalf = at.get("on_behalf")
    # A column the table lacks is read as "" (the cell added at the end of each row).
    i_details, i_wanted = at.get("details", width), at.get("outcome_wanted", width)
    add_narrative = narratives.add
    start = Case.from_submission
    for cells in rows:
        if len(cells) != width:
            continue
        cells.append("")
        add_narrative(cells[i_details])
        add_narrative(cells[i_wanted])
        row = row_of(cells)
        code = row.get("procedure") or ""
        if code not in first_stage:
            try:
                procedures[code] = load_procedure(code)
            except ProcedureError:
                procedures[code] = default
            first_stage[code] = procedures[code].first_stage.code
        case = start(row, first_stage[code])
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


def _fold_events(tables: TableReader, by_ref: dict[str, list[Case]], writing: CaseWriting):
    """Apply each counted event to its case as it is read (``Case.apply``, so the same fold
    as the staff pages, in the order written), without first grouping them by case. Every
    event's actor (and whoever a case is assigned to) and note go into ``writing``."""
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
