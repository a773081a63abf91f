"""Every case's current state, kept in memory per process and brought up to date by reading only
the submissions and events appended since the last look (``Store.changes_since``), so a request
costs the same with 1,000 cases or 100,000.

If a table was rewritten (erasure, retention purge) the store says so and the index is rebuilt
from the start.

A process starting with many cases does not fold them all before its first page: the rows an
earlier process saved beside the data (``index_snapshot``, used only if the tables still begin
with exactly the bytes they were read from) are kept as they are, and a case is folded from
them the first time it is wanted (``get``, or every case for a list). Only the rows appended
since are read from the tables. Whoever reads every row from the start saves them for the next
process, and saves again once many rows were appended since.

Beside the saved cases go their briefs (``briefs``: what the lists and the home page's figures
need of each, with the due dates worked out), so the first list after a start folds only the
cases it shows. A case changed since the save is folded and its brief made again; the saved
briefs are set aside whole when the rules their dates follow changed (``briefs.rules_digest``).
"""

from __future__ import annotations

import marshal
import threading
from collections import Counter
from datetime import date

from forms_app.procedures.profiles import (
    Procedure,
    ProcedureError,
    WorkingCalendar,
    load_procedure,
)
from forms_app.storage.gc_pause import paused_collection
from forms_app.storage.store import EVENTS, SUBMISSIONS, Store

from .briefs import FIELDS, Brief, pack, rules_digest, share
from .deadlines import Due, answered_stages, soon_limit, stage_due, status_of
from .index_snapshot import SavedIndex
from .state import SUBMISSION_COLUMNS, Case

#: Rows read from the start that make saving them worth it (fewer fold in a moment anyway).
SAVE_AT = 5000
#: The submission cells a case is made from: all that is saved of a submission row. ``state``
#: is among the modules whose source a saved index must match.
CASE_COLUMNS = SUBMISSION_COLUMNS


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
        self._briefs: dict[str, tuple[int, date, Brief]] = {}  # of folded cases, per version/day
        # Briefs saved with the cases not folded yet, packed (``briefs.pack``); None for a
        # case saved with none. Only a case not folded since the load is ever listed from its
        # saved brief. Loaded as one ``marshal`` blob with the digest of the rules they were
        # made by, and unpacked by the first list that wants them (a search never does).
        self._saved_briefs: dict[str, tuple] = {}
        self._saved_briefs_blob: tuple[str, list[str], bytes] | None = None
        self._rules: str | None = None
        # The last day "due soon" as a day number, by procedure code and day.
        self._soon: dict[tuple[str, date], int] = {}
        self._brief_lists: dict[tuple[bool, date], tuple[int, tuple[Brief, ...]]] = {}
        self.generation = 0  # bumped whenever anything is applied: memoised lists key on it
        self._memo: dict[object, tuple[int, object]] = {}
        # Cases loaded from a saved index and not folded yet: ``marshal`` blobs of their
        # submission's cells and their events' cells in the order written (``_columns`` order).
        # Such a case is in ``_cases`` as None, so every case keeps its place in storing order.
        self._cold: dict[str, bytes] = {}
        self._columns: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        self.saved = SavedIndex(store, "cases", (SUBMISSIONS, EVENTS), ("index", "state"))
        self.save_at = SAVE_AT
        self._looked_for_saved = False
        self._unsaved = 0  # rows read since the index was last saved (or loaded)
        self.rows_read = 0  # rows read from the tables by this index (tests prove a load)

    # -- keeping up to date -----------------------------------------------------------------

    def refresh(self) -> None:
        """Apply what was appended since the last call (from any process)."""
        with self._lock, paused_collection():
            if self._cursors is None and not self._looked_for_saved:
                self._looked_for_saved = True
                self._load_saved()
            from_start = self._cursors is None
            changes = self.store.changes_since(self._cursors, (SUBMISSIONS, EVENTS))
            if changes.restart:
                self._reset()
                self.saved.discard()  # it holds rows the rewrite removed
                from_start = True
            self._cursors = changes.cursor
            submissions = changes.rows.get(SUBMISSIONS, ())
            for row in submissions:
                self._add_case(row)
            self.generation += bool(submissions)
            events = changes.rows.get(EVENTS, ())
            for row in events:
                self._apply(row)
            self.generation += bool(events)
            read = len(submissions) + len(events)
            self.rows_read += read
            self._unsaved = read if from_start else self._unsaved + read
            if from_start and read >= self.save_at:
                self._unsaved = 0
                cursor = changes.cursor
                self.saved.save_later(lambda: self._save(cursor, submissions, events))
            elif self._unsaved >= max(self.save_at, len(self._cases) // 10):
                self._unsaved = 0
                self.saved.save_later(self._save_all)

    # -- the index saved beside the data ----------------------------------------------------

    def _load_saved(self) -> None:
        loaded = self.saved.load()
        if loaded is None:
            return
        cursor, payload = loaded
        try:
            columns, refs, blobs, waiting, (rules, briefs) = payload
            self._columns = (tuple(columns[0]), tuple(columns[1]))
            cold = dict(zip(refs, blobs, strict=True))
            for ref, events in waiting.items():
                self._waiting[ref] = [self._event(values) for values in events]
            if type(rules) is not str or type(briefs) is not bytes:
                raise TypeError("the saved briefs are not as this code saves them")
        except (TypeError, ValueError, AttributeError):
            self._columns = ((), ())
            self._waiting.clear()
            return
        self._cold = cold
        self._saved_briefs_blob = (rules, refs, briefs)
        self._cases = dict.fromkeys(cold)
        self._cursors = cursor
        self.generation += 1

    def _save(self, cursor, submissions: list[dict], events: list[dict]) -> None:
        """Save every row of the tables up to ``cursor`` (just read from the start): for each
        case, its submission's ``CASE_COLUMNS`` and its events' cells as one ``marshal`` blob,
        unpacked only when the case is first wanted."""
        refs = [row["ref"] for row in submissions]
        if not refs or len(set(refs)) != len(refs):
            return  # a reference stored twice (an edited file): read such tables in order
        by_ref: dict[str, list[tuple]] = {}
        for row in events:
            by_ref.setdefault(row["ref"], []).append(tuple(row.values()))
        briefs = self._briefs_to_save(
            refs, Counter({ref: len(rows) for ref, rows in by_ref.items()})
        )
        blobs = [
            marshal.dumps(
                (tuple([row.get(name, "") for name in CASE_COLUMNS]), by_ref.pop(row["ref"], []))
            )
            for row in submissions
        ]
        columns = (CASE_COLUMNS, tuple(events[0]) if events else ())
        # The briefs as one blob of their own, unpacked only by a process that lists cases.
        briefs = marshal.dumps(share([briefs.get(ref) for ref in refs]))
        self.saved.save(cursor, (columns, refs, blobs, by_ref, (self.rules, briefs)))

    def _briefs_to_save(self, refs: list[str], events: Counter) -> dict[str, tuple]:
        """The packed brief of each case whose state in this index is the one the saved rows
        make (``events``: how many events each case has in them); a case folded further
        since, or whose due date moves with the day, has none (the next process folds it)."""
        today = date.today()
        packed: dict[str, tuple] = {}
        with self._lock:
            self._open_saved_briefs()
        for ref in refs:
            with self._lock:
                case = self._cases.get(ref)
                if case is None:
                    # Not folded since the load: as saved, so its saved brief (if any) holds.
                    found = self._saved_briefs.get(ref)
                    if found is not None:
                        packed[ref] = found
                    continue
                if case.version != events[ref]:
                    continue
                brief = self.brief(case, today)
            if brief.keeps:
                packed[ref] = pack(brief)
        return packed

    def _save_all(self) -> None:
        """Read the tables from the start again and save them (many rows came since)."""
        changes = self.store.changes_since(None, (SUBMISSIONS, EVENTS))
        self._save(changes.cursor, changes.rows.get(SUBMISSIONS, []), changes.rows.get(EVENTS, []))

    def _event(self, values: tuple) -> dict:
        return dict(zip(self._columns[1], values, strict=True))

    def _thaw(self, ref: str) -> Case | None:
        """Fold a case loaded from the saved index (None if it is not one)."""
        blob = self._cold.pop(ref, None)
        if blob is None:
            return None
        self._forget_saved_brief(ref)
        submission, events = marshal.loads(blob)
        self._add_case(dict(zip(self._columns[0], submission, strict=True)))
        case = self._cases[ref]
        for values in events:
            case.apply(self._event(values))
        self._track(case)
        return case

    def _thaw_all(self) -> None:
        if not self._cold:
            return
        for ref in list(self._cold):
            self._thaw(ref)
        # In storing order, as if every case had been read from the tables.
        self._open = {ref: case for ref, case in self._cases.items() if case.is_open}

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
        self._cold.clear()
        self._open.clear()
        self._waiting.clear()
        self._due.clear()
        self._briefs.clear()
        self._saved_briefs.clear()
        self._saved_briefs_blob = None

    def _add_case(self, row: dict) -> None:
        # A later submission row for a reference replaces the case, as if read in order.
        self._cold.pop(row["ref"], None)
        self._forget_saved_brief(row["ref"])
        procedure = self.procedure_for(row.get("procedure") or "")
        case = Case.from_submission(row, procedure.first_stage.code)
        self._cases[case.ref] = case
        for event in self._waiting.pop(case.ref, ()):
            case.apply(event)
        self._track(case)

    def _apply(self, event: dict) -> None:
        case = self._cases.get(event["ref"]) or self._thaw(event["ref"])
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
        with self._lock:
            return self._cases.get(ref) or self._thaw(ref)

    def peek(self, ref: str) -> Case | None:
        """``get`` without looking at the tables first: for many look-ups in one page, after
        one ``refresh``."""
        with self._lock:
            return self._cases.get(ref) or self._thaw(ref)

    def personal(self, ref: str) -> dict[str, str] | None:
        """The personal details row of a case (or None)."""
        return self.store.find_personal(ref)

    def open_cases(self) -> list[Case]:
        self.refresh()
        with self._lock, paused_collection():
            self._thaw_all()
            return list(self._open.values())

    def all_cases(self) -> list[Case]:
        self.refresh()
        with self._lock, paused_collection():
            self._thaw_all()
            return list(self._cases.values())

    def __len__(self) -> int:
        return len(self._cases)

    # -- cases in brief ---------------------------------------------------------------------

    @property
    def rules(self) -> str:
        """The digest of the rules a brief's dates follow (``briefs.rules_digest``)."""
        if self._rules is None:
            self._rules = rules_digest(self.default_procedure.code, self.closure_days)
        return self._rules

    def _forget_saved_brief(self, ref: str) -> None:
        self._saved_briefs.pop(ref, None)

    def _open_saved_briefs(self) -> None:
        """Unpack the briefs loaded with the saved cases, unless the rules their dates follow
        changed since they were saved: then they are set aside (the saved cases are kept: their
        rows do not depend on the rules), and each case is folded when a list wants it."""
        if self._saved_briefs_blob is None:
            return
        rules, refs, blob = self._saved_briefs_blob
        self._saved_briefs_blob = None
        if rules != self.rules:
            return
        try:
            with paused_collection():
                self._saved_briefs = dict(zip(refs, marshal.loads(blob), strict=True))
        except (EOFError, TypeError, ValueError):
            self._saved_briefs = {}

    def brief(self, case: Case, today: date) -> Brief:
        """The case in brief as things stand ``today``, cached until it changes or the day
        does."""
        cached = self._briefs.get(case.ref)
        if cached is not None and cached[0] == case.version and cached[1] == today:
            return cached[2]
        _due, what, when, _status = self.deadline(case, today)
        stage = case.current
        paused = bool(what) and stage is not None and stage.paused
        procedure = self.procedure_for(case.procedure)
        answered = answered_stages(procedure, self.calendar_for(procedure), case)
        brief = Brief.of(case, what, when, paused, answered)
        self._briefs[case.ref] = (case.version, today, brief)
        return brief

    def briefs(self, today: date, *, open_only: bool = False) -> tuple[Brief, ...]:
        """Every case in brief (or every open one), in storing order: a case loaded from the
        saved index is not folded when its saved brief holds. Remembered until any case
        changes or the day does."""
        self.refresh()
        with self._lock:
            found = self._brief_lists.get((open_only, today))
            if found is None or found[0] != self.generation:
                if len(self._brief_lists) > 8:
                    self._brief_lists.clear()
                found = (self.generation, self._make_briefs(today, open_only))
                self._brief_lists[(open_only, today)] = found
            return found[1]

    def _make_briefs(self, today: date, open_only: bool) -> tuple[Brief, ...]:
        with paused_collection():
            self._open_saved_briefs()
            found = []
            saved, fields = self._saved_briefs, len(FIELDS)
            for ref, case in list(self._cases.items()):
                if case is None:
                    values = saved.get(ref)
                    # A saved brief is a tuple of as many values as ``FIELDS`` (anything else
                    # was not saved by this code).
                    if type(values) is tuple and len(values) == fields:
                        brief = Brief(values)
                    else:  # none saved (or not as this code saves them): fold the case
                        brief = self.brief(self._thaw(ref), today)
                else:
                    brief = self.brief(case, today)
                if brief.is_open or not open_only:
                    found.append(brief)
            return tuple(found)

    def due_status(self, brief: Brief, today: date) -> str:
        """on time, due soon, overdue or paused (``deadlines.status_of``) for what is due
        next, as of ``today`` ("" when nothing is due)."""
        if not brief.next_what:
            return ""
        if brief.paused:
            return status_of(brief.next_due, today, today, True)
        procedure = brief.procedure
        soon = self._soon.get((procedure, today))
        if soon is None:
            if len(self._soon) > 64:
                self._soon.clear()
            calendar = self.calendar_for(self.procedure_for(procedure))
            soon = self._soon[(procedure, today)] = soon_limit(calendar, today).toordinal()
        # The same rule on day numbers (they order as the dates do): no date made per case.
        return status_of(brief.due_day or None, today.toordinal(), soon, False)

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
