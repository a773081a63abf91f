"""Every case's current state, kept in memory per process and brought up to date by reading only
the submissions and events appended since the last look (``Store.changes_since``), so a request
costs the same with 1,000 cases or 100,000.

If a table was rewritten (erasure, retention purge) the store says so and the index is rebuilt
from the start.
"""

from __future__ import annotations

import threading
from datetime import date

from forms_app.procedures.profiles import (
    Procedure,
    ProcedureError,
    WorkingCalendar,
    load_procedure,
)
from forms_app.storage.gc_pause import paused_collection
from forms_app.storage.store import EVENTS, SUBMISSIONS, Store

from .deadlines import Due, soon_limit, stage_due, status_of
from .state import Case


class CaseIndex:
    """Cases by reference, the open ones apart, with their deadlines cached per day."""

    def __init__(self, store: Store, default_procedure: Procedure, closure_days=()):
        self.store = store
        self.default_procedure = default_procedure
        self.closure_days = tuple(closure_days)
        self._lock = threading.RLock()
        # Where the index has read the tables up to: the store's cursor, opaque here.
        self._cursors: object = None
        self._cases: dict[str, Case] = {}
        self._open: dict[str, Case] = {}
        self._waiting: dict[str, list[dict]] = {}  # events read before their submission
        self._procedures: dict[str, Procedure] = {default_procedure.code: default_procedure}
        self._calendars: dict[str, WorkingCalendar] = {}
        self._due: dict[str, tuple] = {}
        self.generation = 0  # bumped whenever anything is applied: memoised lists key on it
        self._memo: dict[object, tuple[int, object]] = {}

    # -- keeping up to date -----------------------------------------------------------------

    def refresh(self) -> None:
        """Apply what was appended since the last call (from any process)."""
        with self._lock, paused_collection():
            changes = self.store.changes_since(self._cursors, (SUBMISSIONS, EVENTS))
            if changes.restart:
                self._reset()
            self._cursors = changes.cursor
            submissions = changes.rows.get(SUBMISSIONS, ())
            for row in submissions:
                self._add_case(row)
            self.generation += bool(submissions)
            events = changes.rows.get(EVENTS, ())
            for row in events:
                self._apply(row)
            self.generation += bool(events)

    def memo(self, key, compute):
        """``compute()``, remembered until any case changes (a list page asked for again with
        the same filters by the same person costs nothing however many cases there are)."""
        self.refresh()
        with self._lock:
            found = self._memo.get(key)
            if found is not None and found[0] == self.generation:
                return found[1]
            value = compute()
            if len(self._memo) >= 256:
                self._memo.clear()
            self._memo[key] = (self.generation, value)
            return value

    def _reset(self) -> None:
        self.generation += 1
        self._memo.clear()
        self._cursors = None
        self._cases.clear()
        self._open.clear()
        self._waiting.clear()
        self._due.clear()

    def _add_case(self, row: dict) -> None:
        procedure = self.procedure_for(row.get("procedure") or "")
        case = Case.from_submission(row, procedure.first_stage.code)
        self._cases[case.ref] = case
        for event in self._waiting.pop(case.ref, ()):
            case.apply(event)
        self._track(case)

    def _apply(self, event: dict) -> None:
        case = self._cases.get(event["ref"])
        if case is None:
            self._waiting.setdefault(event["ref"], []).append(event)
            return
        case.apply(event)
        self._track(case)

    def _track(self, case: Case) -> None:
        if case.is_open:
            self._open[case.ref] = case
        else:
            self._open.pop(case.ref, None)

    # -- reading ----------------------------------------------------------------------------

    def get(self, ref: str) -> Case | None:
        self.refresh()
        return self._cases.get(ref)

    def personal(self, ref: str) -> dict[str, str] | None:
        """The personal details row of a case (or None)."""
        return self.store.find_personal(ref)

    def open_cases(self) -> list[Case]:
        self.refresh()
        with self._lock:
            return list(self._open.values())

    def all_cases(self) -> list[Case]:
        self.refresh()
        with self._lock:
            return list(self._cases.values())

    def __len__(self) -> int:
        return len(self._cases)

    # -- procedures and deadlines -----------------------------------------------------------

    def procedure_for(self, code: str) -> Procedure:
        """The case's own procedure profile (the one in force when it was received)."""
        procedure = self._procedures.get(code)
        if procedure is None:
            try:
                procedure = load_procedure(code)
            except ProcedureError:
                procedure = self.default_procedure
            self._procedures[code] = procedure
        return procedure

    def calendar_for(self, procedure: Procedure) -> WorkingCalendar:
        calendar = self._calendars.get(procedure.nation)
        if calendar is None:
            calendar = procedure.calendar(self.closure_days)
            self._calendars[procedure.nation] = calendar
        return calendar

    def deadline(self, case: Case, today: date) -> tuple[Due | None, str, date | None, str]:
        """(due dates of the current stage, what is due next, by when, status), cached until
        the case changes or the day does."""
        cached = self._due.get(case.ref)
        if cached is not None and cached[0] == case.version and cached[1] == today:
            return cached[2]
        procedure = self.procedure_for(case.procedure)
        calendar = self.calendar_for(procedure)
        stage = case.current
        if stage is None or not case.is_open or case.ombudsman_referred:
            result = (None, "", None, "")
        else:
            due = stage_due(procedure, calendar, case, stage, today)
            what, when = due.next_for(stage)
            status = (
                status_of(when, today, soon_limit(calendar, today), stage.paused) if what else ""
            )
            result = (due, what, when, status)
        self._due[case.ref] = (case.version, today, result)
        return result
