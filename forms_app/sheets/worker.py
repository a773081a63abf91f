"""The sync worker: ``feedback sheets sync`` runs ``SyncWorker.run``; ``--once`` one step.

One step, in this order (each request under the quota and retry rules):

1. new cases (read incrementally from the data package) are queued in the outbox;
2. one read (``values.batchGet``): the whole Triage tab, plus the key column of Intake and
   Problems when an unclear append must be settled, Intake is due its hourly check or rows
   must be cleared (below);
3. settle: keys found are sent, the rest pending again; Triage rows deleted by hand are
   queued again; exact duplicate Triage rows are cleared; the Intake rows of cases restricted
   since they were sent are cleared (what the person wrote, and their details if the sheet
   holds them), to be sent again if the restriction is lifted; the Intake, Triage and Problems
   rows of erased or purged cases (queued by ``retention.reach``) are cleared;
4. append new submissions to Intake;
5. pull staff edits from Triage: valid ones become events (attributed to ``sheet``, or to the
   editor when the Drive revision history shows one person), invalid ones get a note and a
   Problems row;
6. rewrite Triage rows whose values changed (stage, owner, due dates, deadline status...);
7. set and clear notes; append new cases to Triage and new problems to Problems;
8. refresh the dropdowns when the owners or stages changed.

A failed step is retried after the back-off delay; the next step settles anything unclear.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import gspread

from forms_app.accounts import UserBook
from forms_app.casework.events import record
from forms_app.casework.index import CaseIndex
from forms_app.messages import smtp as mail
from forms_app.organisation.settings import Settings, SettingsError
from forms_app.records.retention.flags import is_restricted
from forms_app.storage.store import SUBMISSIONS

from . import attribution
from .alerts import Alerts
from .client import build_client, service_account_email
from .config import SheetsConfig, sheets_config
from .layout import (
    EDITABLE,
    INTAKE,
    PROBLEM_HEADER,
    PROBLEMS,
    TABS,
    TRIAGE,
    TRIAGE_COLUMNS,
    TRIAGE_HEADER,
    TRIAGE_KEYS,
    Layout,
    LayoutError,
    a1,
    col_letter,
    setup,
)
from .outbox import CLEARING, Outbox, outbox_path
from .pull import LABELS, Problem, Rules, interpret
from .push import Pusher
from .quota import RateLimiter
from .retry import Retrier, SyncFailure
from .rows import as_row, cell, intake_row, local_time, summary_of, triage_values

log = logging.getLogger("forms_app.sheets")
_LONDON = ZoneInfo("Europe/London")
INTAKE_CHECK_SECONDS = 3600.0
WIDTH = len(TRIAGE_COLUMNS)


def configured(settings: Settings) -> bool:
    """True when the settings name a spreadsheet and a way to reach it (and do not turn the
    sheet off): the run command then starts ``feedback sheets sync``."""
    try:
        config = sheets_config(settings)
    except SettingsError as error:
        print(f"sheets: not started: {error}", file=sys.stderr)
        return False
    return config is not None and config.usable


class RealClock:
    """Wall-clock time; ``sleep`` wakes early when ``stop`` is set."""

    def __init__(self):
        self.stopping = threading.Event()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        self.stopping.wait(max(0.0, seconds))


@dataclass
class StepReport:
    ok: bool = True
    parked: bool = False
    error: str = ""
    intake_appended: int = 0
    intake_cleared: int = 0  # rows of restricted cases
    rows_cleared: int = 0  # rows of erased or purged cases, in every tab
    triage_appended: int = 0
    rows_updated: int = 0
    events: int = 0
    problems: int = 0
    confirmed: int = 0
    requeued: int = 0
    duplicates: dict = field(default_factory=dict)


class WorkerBusy(Exception):
    """Another sync worker holds the lock for this data directory."""


class SyncWorker:
    def __init__(
        self,
        parts,
        config: SheetsConfig,
        *,
        clock=None,
        session=None,
        client=None,
        rng=None,
        send=mail.send,
        index: CaseIndex | None = None,
    ):
        self.parts = parts
        self.settings = parts.settings
        self.config = config
        self.clock = clock or RealClock()
        data_dir = self.settings.data_dir
        self.outbox = Outbox(outbox_path(data_dir))
        if self.outbox.get("created_at") is None:
            self.outbox.set(created_at=self.clock.time())
        if index is None:
            this_year = date.today().year
            closures = self.settings.closure_dates(range(this_year - 15, this_year + 3))
            index = CaseIndex(parts.store, parts.procedure, closures)
        self.index = index
        self.client = client or build_client(config, session)
        self.retrier = Retrier(
            self.clock,
            rng=rng,
            park_after=config.park_after_seconds,
            park_retry=config.park_retry_seconds,
        )
        self.retrier.restore(self.outbox.get("retry"))
        self.writes = RateLimiter(config.max_writes_per_minute, self.clock)
        self.reads = RateLimiter(config.max_reads_per_minute, self.clock)
        self.pusher = Pusher(
            self.outbox, self.retrier, self.writes, self.clock, max_rows=config.max_rows_per_request
        )
        self.users = UserBook(data_dir)
        self.alerts = Alerts(
            self.outbox,
            self.clock,
            email_config=mail.email_settings(self.settings.raw),
            recipients=self._alert_recipients(),
            sender=self.settings.contact.get("email", ""),
            send=send,
        )
        self.editor = service_account_email(config)
        self._spreadsheet = None
        self._worksheets: dict = {}
        self._ids: dict[str, int] = {}
        self._known = {tab: self.outbox.known(tab) for tab in (INTAKE, TRIAGE)}
        self._seen = self.outbox.editable()
        self._summaries: dict[str, str] = {}
        self._rows: dict[str, tuple] = {}
        self._lock_fd: int | None = None

    # -- lifetime -------------------------------------------------------------------------

    def lock(self) -> None:
        """One worker per data directory (raises WorkerBusy)."""
        path = outbox_path(self.settings.data_dir).with_name("worker.lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise WorkerBusy(
                "another sheets sync worker is running for this data directory"
            ) from None
        self._lock_fd = fd

    def close(self) -> None:
        self.outbox.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def run(self, max_steps: int | None = None) -> None:
        """Steps until stopped (``clock.stopping``) or ``max_steps`` are done."""
        steps = 0
        while max_steps is None or steps < max_steps:
            stopping = getattr(self.clock, "stopping", None)
            if stopping is not None and stopping.is_set():
                return
            started = self.clock.time()
            try:
                report = self.step()
            except Exception:  # a bug or a broken data package: say so, wait, try again
                log.exception("sheets: the sync step failed")
                report = StepReport(ok=False, error="unexpected error (see the log)")
                self.retrier.failures += 1
            steps += 1
            self.clock.sleep(self.wait_after(report, started))

    def wait_after(self, report: StepReport, started: float) -> float:
        now = self.clock.time()
        parked_until = float(self.outbox.get("parked_until") or 0)
        if parked_until > now:
            return parked_until - now
        if not report.ok:
            return self.retrier.delay()
        return max(0.0, started + self.config.interval_seconds - now)

    # -- one step ---------------------------------------------------------------------------

    def step(self) -> StepReport:
        report = StepReport()
        now = self.clock.time()
        parked_until = float(self.outbox.get("parked_until") or 0)
        if parked_until > now:
            report.ok, report.parked = False, True
            self._check_behind()
            return report
        self.outbox.note(last_attempt_at=now)
        self.index.refresh()
        cases = {case.ref: case for case in self.index.all_cases()}
        # UK GDPR Art 18: a restricted case is not sent (queued once it is lifted), and one
        # already in Intake has its row cleared (below).
        restricted = {ref for ref, case in cases.items() if is_restricted(case)}
        self._enqueue(cases, restricted)
        restricted &= self._known[INTAKE]
        gone = {ref for ref, _payload in self.outbox.pending(CLEARING)}
        try:
            self._open()
            read = self._read(intake=bool(restricted or gone), problems=bool(gone))
            self._settle(read, report)
            report.intake_cleared = self._clear_intake(read, restricted)
            report.rows_cleared = self._clear_gone(read, gone)
            report.intake_appended = self._push_intake()
            triage_rows = self._triage_rows(read, report)
            self._pull(triage_rows, cases, report)
            self._update_triage(triage_rows, cases, report)
            report.triage_appended = self._push_triage(cases)
            self._push_problems()
            self._refresh_dropdowns()
        except SyncFailure as failure:
            report.ok, report.error = False, str(failure)
            log.warning("sheets: step stopped: %s", failure)
            self._after_failure()
        except LayoutError as error:
            report.ok, report.error = False, str(error)
            self._park(f"the sheet's layout needs a person: {error}", "layout")
        else:
            self.outbox.note(last_success_at=self.clock.time())
            if self.outbox.get("parked_since"):
                self.outbox.set(parked_since=None, parked_until=0)
            self.alerts.clear("parked")
            self.alerts.clear("layout")
        finally:
            self.outbox.note(retry=self.retrier.state())
            self._check_behind()
            self.outbox.flush()
        report.parked = float(self.outbox.get("parked_until") or 0) > self.clock.time()
        return report

    def _after_failure(self) -> None:
        failure = self.retrier.last
        if failure is not None and failure.kind != "transient":
            self._spreadsheet = None  # open (and check the layout) again next time
        reason = self.retrier.park_reason()
        if not reason and self.outbox.get("parked_since"):
            reason = self.outbox.get("parked_reason") or "still failing"  # parked: stay so
        if reason:
            self._park(reason, "parked")

    def _park(self, reason: str, kind: str) -> None:
        now = self.clock.time()
        until = now + self.config.park_retry_seconds
        self.outbox.set(
            parked_until=until,
            parked_reason=reason,
            parked_since=self.outbox.get("parked_since") or now,
        )
        waiting = self._waiting_counts()
        self.alerts.raise_(
            kind,
            "The shared sheet is not being updated",
            f"The feedback service has stopped trying to update the shared Google Sheet for "
            f"now: {reason}.\n\nIt will try again at {_clock_text(until)} and every "
            f"{self.config.park_retry_seconds / 60:.0f} minutes after. Nothing is lost: "
            f"{waiting} rows are waiting in the outbox.\n\nRun 'feedback sheets status' on the "
            "server for details.\n",
        )
        self.retrier.refusals = 0

    def _check_behind(self) -> None:
        age = self.behind_seconds()
        if age is not None and age > self.config.stale_after_seconds:
            self.alerts.raise_(
                "behind",
                "The shared sheet is more than an hour behind",
                f"The oldest row waiting to go to the shared Google Sheet has waited "
                f"{_duration(age)}. New feedback is safely stored and on the staff pages; "
                f"only the sheet is behind.\n\nLast successful sync: "
                f"{_clock_text(self.outbox.get('last_success_at'))}. Last error: "
                f"{self.retrier.state()['last_error'] or 'none'}.\n\nRun 'feedback sheets "
                "status' on the server for details.\n",
            )
        else:
            self.alerts.clear("behind")

    def behind_seconds(self) -> float | None:
        oldest = self.outbox.oldest_waiting()
        if oldest is None:
            return None
        start = max(oldest, float(self.outbox.get("created_at") or oldest))
        return max(0.0, self.clock.time() - start)

    def _waiting_counts(self) -> int:
        return sum(
            n for states in self.outbox.counts().values() for s, n in states.items() if s != "sent"
        )

    # -- the parts of a step ------------------------------------------------------------------

    def _call(self, fn, *, write: bool, idempotent: bool = True):
        return self.retrier.call(
            fn, idempotent=idempotent, limiter=self.writes if write else self.reads
        )

    def _enqueue(self, cases: dict, restricted: set[str]) -> None:
        """Queue the cases not yet known to each tab, except the restricted ones."""
        created = float(self.outbox.get("created_at") or 0)
        for tab in (INTAKE, TRIAGE):
            known = self._known[tab]
            new = [ref for ref in cases if ref not in known and ref not in restricted]
            if not new:
                continue
            items = [(ref, max(cases[ref].received.timestamp(), created), None) for ref in new]
            items.sort(key=lambda item: item[1])  # stable: file order breaks ties
            self.outbox.enqueue(tab, items)
            self._known[tab].update(new)

    def _open(self) -> None:
        if self._spreadsheet is not None:
            return
        key = self.config.spreadsheet_key
        spreadsheet = self._call(lambda: self.client.open_by_key(key), write=False)
        meta = self._call(spreadsheet.fetch_sheet_metadata, write=False)
        titles = {s["properties"]["title"] for s in meta.get("sheets", [])}
        layout = self.layout()
        right = False
        if set(TABS) <= titles:
            wanted = [layout.intake_header, TRIAGE_HEADER, PROBLEM_HEADER]
            heads = self._call(
                lambda: spreadsheet.values_batch_get([a1(t, "1:1") for t in TABS]), write=False
            )["valueRanges"]
            have = [(r.get("values") or [[]])[0] for r in heads]
            right = have == wanted
        if not right:
            log.warning("sheets: tabs or headers not as expected: setting the sheet up")
            self._call(lambda: setup(spreadsheet, layout, [self.editor]), write=True)
            self.outbox.set(dropdowns=layout.dropdown_hash())
            meta = self._call(spreadsheet.fetch_sheet_metadata, write=False)
        self._worksheets = {}
        for sheet in meta["sheets"]:
            title = sheet["properties"]["title"]
            if title in TABS:
                self._worksheets[title] = gspread.Worksheet(
                    spreadsheet, sheet["properties"], spreadsheet.id, spreadsheet.client
                )
                self._ids[title] = sheet["properties"]["sheetId"]
        self._spreadsheet = spreadsheet
        self.outbox.note(intake_checked_at=0)  # check Intake once per start

    def _read(self, intake: bool = False, problems: bool = False) -> dict[str, list[list[str]]]:
        """One read: Triage, and the key column of Intake (when ``intake`` asks for it, an
        append is unclear or the hourly check is due) and the first three columns of Problems
        (key, when, reference: when ``problems`` asks for them or an append is unclear)."""
        now = self.clock.time()
        wanted = [TRIAGE]
        if (
            intake
            or self.outbox.maybe(INTAKE)
            or now - float(self.outbox.get("intake_checked_at") or 0) >= INTAKE_CHECK_SECONDS
        ):
            wanted.append(INTAKE)
        if problems or self.outbox.maybe(PROBLEMS):
            wanted.append(PROBLEMS)
        ranges = [a1(TRIAGE, f"A1:{col_letter(WIDTH - 1)}")]
        ranges += [a1(tab, "A:A" if tab == INTAKE else "A:C") for tab in wanted[1:]]
        reply = self._call(lambda: self._spreadsheet.values_batch_get(ranges), write=False)
        self.outbox.note(previous_read_at=self.outbox.get("last_read_at"), last_read_at=now)
        values = [r.get("values", []) for r in reply["valueRanges"]]
        return dict(zip(wanted, values, strict=True))

    def _settle(self, read: dict, report: StepReport) -> None:
        now = self.clock.time()
        for tab in (INTAKE, PROBLEMS):
            if tab not in read:
                continue
            keys = [row[0] for row in read[tab][1:] if row]
            present = set(keys)
            confirmed, requeued = self.outbox.resolve(tab, present, now)
            report.confirmed += confirmed
            report.requeued += requeued
            duplicates = len(keys) - len(present)
            if tab == INTAKE:
                lost = self.outbox.requeue_missing(INTAKE, present)
                if lost:
                    log.warning(
                        "sheets: %d Intake rows were missing: sending them again", len(lost)
                    )
                self.outbox.note(intake_checked_at=now, intake_duplicates=duplicates)
                report.duplicates[INTAKE] = duplicates
        rows = read[TRIAGE]
        present = {row[0].strip() for row in rows[1:] if row and row[0].strip()}
        confirmed, requeued = self.outbox.resolve(TRIAGE, present, now)
        report.confirmed += confirmed
        report.requeued += requeued
        lost = self.outbox.requeue_missing(TRIAGE, present)
        if lost:
            log.warning("sheets: %d Triage rows were missing: sending them again", len(lost))

    def _clear_intake(self, read: dict, restricted: set[str]) -> int:
        """Clear the Intake rows of restricted cases (``read`` holds Intake's key column, read
        after the restriction) and take them out of the outbox, so that lifting the restriction
        sends them again. Returns how many rows were cleared."""
        if not restricted:
            return 0
        cleared = self._clear_rows(read, INTAKE, restricted)
        for ref in restricted:
            self.outbox.drop(INTAKE, ref)
        self._known[INTAKE] -= restricted
        if cleared:
            log.info("sheets: cleared %d Intake rows of restricted cases", cleared)
        return cleared

    def _clear_gone(self, read: dict, gone: set[str]) -> int:
        """Clear the Intake, Triage and Problems rows of erased or purged cases (``read``
        holds Intake's key column, all of Triage and the references of Problems, read after
        they were queued), then take them out of the queue. Returns how many rows went."""
        if not gone:
            return 0
        cleared = sum(self._clear_rows(read, tab, gone) for tab in (INTAKE, TRIAGE, PROBLEMS))
        for ref in gone:
            self.outbox.drop(CLEARING, ref)
        for known in self._known.values():
            known -= gone
        log.info("sheets: cleared %d rows of %d erased or purged cases", cleared, len(gone))
        return cleared

    def _clear_rows(self, read: dict, tab: str, refs: set[str]) -> int:
        """Clear every row of ``tab`` whose reference is one of ``refs``; how many."""
        at = PROBLEM_HEADER.index("Reference") if tab == PROBLEMS else 0
        numbers = [
            number
            for number, row in enumerate(read[tab][1:], start=2)
            if len(row) > at and row[at].strip() in refs
        ]
        if numbers:
            width = {TRIAGE: WIDTH, PROBLEMS: len(PROBLEM_HEADER)}.get(tab)
            width = width or len(self.layout().intake_header)
            self.pusher.clear_rows(self._spreadsheet, tab, numbers, width)
        return len(numbers)

    def _push_intake(self) -> int:
        pending = self.outbox.pending(INTAKE)
        if not pending:
            return 0
        items = []
        store = self.parts.store
        layout = self.layout()
        for ref, _payload in pending:
            submission = store.find(ref)
            if submission is None:  # erased or purged since: nothing to send, ever
                self.outbox.forget(ref)
                continue
            if self._restricted_since_queued(INTAKE, ref):
                continue
            personal = self.index.personal(ref) if self.config.include_personal else None
            items.append((ref, intake_row(layout, submission, personal)))
        return self.pusher.append(self._worksheets[INTAKE], INTAKE, items)

    def _triage_rows(self, read: dict, report: StepReport) -> dict[str, tuple[int, list[str]]]:
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
            self.pusher.clear_rows(self._spreadsheet, TRIAGE, clear, WIDTH)
        report.duplicates[TRIAGE] = differing
        self.outbox.note(triage_duplicates=differing)
        return single

    def _pull(self, rows: dict, cases: dict, report: StepReport) -> None:
        reported = self.outbox.reported()
        notes, cleared = [], []
        for (ref, column), (value, _problem) in reported.items():
            place = rows.get(ref)
            col = TRIAGE_KEYS.index(column)
            if place is None or place[1][col] != value:
                cleared.append((ref, column))  # changed since: the note goes
                if place is not None:
                    notes.append((place[0], col + 1, ""))
        self.outbox.clear_reported(cleared)
        edits_by_ref: dict[str, dict[str, str]] = {}
        for ref, (_number, cells) in rows.items():
            last = self._seen.get(ref)
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
            rules = self._rules()
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
                record(self.parts.store, self.parts.contract, all_events)
                self.index.refresh()
                report.events += len(all_events)
                log.info("sheets: %d events from staff edits", len(all_events))
            for ref, good in accepted.items():
                self._seen[ref] = {**self._seen.get(ref, {}), **good}
            self.outbox.set_editable({ref: self._seen[ref] for ref in accepted})
            if problems:
                self._report(problems, rows, notes)
                report.problems += len(problems)
        if notes:
            self.pusher.notes(self._spreadsheet, self._ids[TRIAGE], notes)

    def _report(self, problems: list[Problem], rows: dict, notes: list) -> None:
        now = self.clock.time()
        when = local_time(datetime.fromtimestamp(now, UTC).isoformat())
        items, reported = [], []
        for p in problems:
            ident = "P-" + secrets.token_hex(5)
            row = [ident, when, p.ref, LABELS[p.column], cell(p.value), cell(p.message)]
            items.append((ident, now, json.dumps({"ref": p.ref, "row": row})))
            reported.append((p.ref, p.column, p.value, p.message))
            current = self._seen.get(p.ref, {}).get(p.column, "")
            text = (
                f"Not applied: {p.message}.\nThe case still says: {current or '(blank)'}.\n"
                f"Change the value, or put it back. ({when}; see the Problems tab)"
            )
            notes.append((rows[p.ref][0], TRIAGE_KEYS.index(p.column) + 1, cell(text)))
        self.outbox.enqueue(PROBLEMS, items)
        self.outbox.add_reported(reported)
        log.info("sheets: %d staff edits not applied (see the Problems tab)", len(problems))

    def _update_triage(self, rows: dict, cases: dict, report: StepReport) -> None:
        today = self.today()
        reported = self.outbox.reported()
        changed: list[tuple[int, list[str]]] = []
        seen: dict[str, dict[str, str]] = {}
        for ref, (number, cells) in rows.items():
            case = cases.get(ref)
            if case is None:
                continue
            computed = self._values(case, today)
            values = computed
            for key in EDITABLE:
                if (ref, key) in reported and cells[TRIAGE_KEYS.index(key)] == reported[(ref, key)][
                    0
                ]:
                    values = {**values, key: cells[TRIAGE_KEYS.index(key)]}  # keep what was typed
            row = as_row(values)
            if row != cells:
                changed.append((number, row))
            editable = {k: computed[k] for k in EDITABLE}
            if self._seen.get(ref) != editable:
                seen[ref] = editable
        if changed:
            self.pusher.update_rows(self._spreadsheet, TRIAGE, changed)
            report.rows_updated = len(changed)
        if seen:
            self._seen.update(seen)
            self.outbox.set_editable(seen)

    def _push_triage(self, cases: dict) -> int:
        pending = self.outbox.pending(TRIAGE)
        if not pending:
            return 0
        today = self.today()
        items = []
        for ref, _payload in pending:
            case = cases.get(ref)
            if case is None:  # erased or purged since
                self.outbox.forget(ref)
                continue
            if self._restricted_since_queued(TRIAGE, ref):
                continue
            items.append((ref, as_row(self._values(case, today))))
        by_ref = dict(items)

        def remember(keys):
            values = {k: dict(zip(TRIAGE_KEYS, by_ref[k], strict=True)) for k in keys}
            editable = {k: {c: v[c] for c in EDITABLE} for k, v in values.items()}
            self._seen.update(editable)
            self.outbox.set_editable(editable)

        return self.pusher.append(self._worksheets[TRIAGE], TRIAGE, items, before_send=remember)

    def _restricted_since_queued(self, tab: str, ref: str) -> bool:
        """True (and the case taken out of the queue, to be queued again when the restriction
        is lifted) if the case was restricted after it was queued."""
        case = self.index.get(ref)
        if case is None or not is_restricted(case):
            return False
        self.outbox.drop_pending(tab, ref)
        self._known[tab].discard(ref)
        return True

    def _push_problems(self) -> None:
        pending = self.outbox.pending(PROBLEMS)
        if pending:
            items = [(key, json.loads(payload)["row"]) for key, payload in pending]
            self.pusher.append(self._worksheets[PROBLEMS], PROBLEMS, items)

    def _refresh_dropdowns(self) -> None:
        layout = self.layout()
        digest = layout.dropdown_hash()
        if self.outbox.get("dropdowns") == digest:
            return
        requests = layout.validation_requests(self._ids[TRIAGE])
        self._call(lambda: self._spreadsheet.batch_update({"requests": requests}), write=True)
        self.outbox.set(dropdowns=digest)

    # -- what goes in the cells ---------------------------------------------------------------

    def today(self) -> date:
        return datetime.fromtimestamp(self.clock.time(), _LONDON).date()

    def _values(self, case, today: date) -> dict[str, str]:
        """The case's Triage cells, remembered until the case or the day changes."""
        cached = self._rows.get(case.ref)
        if cached is not None and cached[0] == case.version and cached[1] == today:
            return cached[2]
        service = self.settings.service(case.service)
        # A restricted case's row already in the sheet keeps its reference and progress, but
        # the summary of what the person wrote (the personal part) is blanked by the update.
        summary = "" if is_restricted(case) else self._summary(case.ref)
        values = triage_values(
            case,
            self.index.deadline(case, today),
            summary,
            service.name if service else case.service,
        )
        self._rows[case.ref] = (case.version, today, values)
        return values

    def _summary(self, ref: str) -> str:
        if ref not in self._summaries:
            if not self._summaries:  # first use: one pass over the file
                for row in self.parts.store.rows(SUBMISSIONS):
                    self._summaries[row["ref"]] = summary_of(
                        row.get("details", ""), self.config.summary_chars
                    )
            if ref not in self._summaries:
                row = self.parts.store.find(ref) or {}
                self._summaries[ref] = summary_of(row.get("details", ""), self.config.summary_chars)
        return self._summaries[ref]

    def layout(self) -> Layout:
        procedures = {self.parts.procedure.code: self.parts.procedure}
        for case in self.index.all_cases():
            if case.procedure and case.procedure not in procedures:
                procedures[case.procedure] = self.index.procedure_for(case.procedure)
        stages = [s.code for p in procedures.values() for s in p.stages]
        return Layout.build(
            self.parts.contract,
            include_personal=self.config.include_personal,
            stages=stages,
            owners=sorted(self._owners()),
            themes=[t.code for t in self.settings.themes],
        )

    def _owners(self) -> set[str]:
        return {u.username for u in self.users.all() if u.active and u.has("officer", "manager")}

    def _rules(self) -> Rules:
        now = datetime.fromtimestamp(self.clock.time(), UTC)
        since = float(self.outbox.get("previous_read_at") or 0)
        actor = attribution.SHEET
        try:
            editors = attribution.editors_since(
                self.client.http_client,
                self.config.spreadsheet_key,
                since,
                lambda fn: self._call(fn, write=False),
            )
            by_email = {u.email.lower(): u.username for u in self.users.all() if u.email}
            actor = attribution.actor_for(editors, by_email)
        except SyncFailure as failure:
            log.warning("sheets: who edited is unknown (Drive revisions: %s)", failure)
        return Rules(
            contract=self.parts.contract,
            procedure_for=self.index.procedure_for,
            themes={t.code: t.name for t in self.settings.themes},
            owners=self._owners(),
            today=self.today(),
            now=now,
            actor=actor,
        )

    def _alert_recipients(self) -> list[str]:
        if self.config.alert_to:
            return list(self.config.alert_to)
        return [u.email for u in UserBook(self.settings.data_dir).with_role("admin") if u.email]


# -- status -----------------------------------------------------------------------------------


def status_lines(
    settings: Settings, config: SheetsConfig, store, now: float
) -> tuple[list[str], bool]:
    """What ``feedback sheets status`` prints, and whether it is loudly behind."""
    path = outbox_path(settings.data_dir)
    lines = [f"Spreadsheet: {config.spreadsheet_key}" + ("" if config.enabled else " (turned off)")]
    refs = {row["ref"]: row.get("received", "") for row in store.rows(SUBMISSIONS)}
    if not path.exists():
        lines.append(f"The sync worker has never run: {len(refs)} submissions are waiting.")
        return lines, bool(refs)
    outbox = Outbox(path)
    try:
        created = float(outbox.get("created_at") or now)
        counts = outbox.counts()
        unseen = [r for r in refs if r not in outbox.known(INTAKE)]
        oldest = outbox.oldest_waiting()
        if unseen:
            times = []
            for r in unseen:
                try:
                    times.append(datetime.fromisoformat(refs[r]).timestamp())
                except ValueError:
                    continue
            if times:
                oldest = min(([oldest] if oldest is not None else []) + [min(times)])
        waiting = {
            tab: sum(n for s, n in counts.get(tab, {}).items() if s != "sent") for tab in TABS
        }
        waiting[INTAKE] += len(unseen)
        maybe = sum(counts.get(tab, {}).get("maybe", 0) for tab in TABS)
        last = outbox.get("last_success_at")
        lines.append(
            f"Last successful sync: {_clock_text(last)}"
            + (f" ({_duration(now - last)} ago)" if last else "")
        )
        lines.append(
            f"Waiting: {waiting[INTAKE]} for Intake, {waiting[TRIAGE]} for Triage, "
            f"{waiting[PROBLEMS]} for Problems"
            + (f" ({maybe} awaiting a check after an unclear reply)" if maybe else "")
        )
        clearing = counts.get(CLEARING, {}).get("pending", 0)
        if clearing:
            lines.append(f"Erased or purged cases whose rows are still to be cleared: {clearing}")
        age = max(0.0, now - max(oldest, created)) if oldest is not None else None
        lines.append(
            "Oldest waiting: " + (_duration(age) if age is not None else "nothing is waiting")
        )
        retry = outbox.get("retry") or {}
        if retry.get("failures"):
            lines.append(
                f"Failures in a row: {retry['failures']} (last: {retry.get('last_error', '')})"
            )
        parked_until = float(outbox.get("parked_until") or 0)
        parked = parked_until > now
        if parked:
            lines.append(
                f"PARKED until {_clock_text(parked_until)}: {outbox.get('parked_reason', '')}"
            )
        for tab in (INTAKE, TRIAGE):
            dup = outbox.get(f"{tab.lower()}_duplicates") or 0
            if dup:
                lines.append(f"{tab}: {dup} references appear more than once: a person should look")
        problems = len(outbox.reported())
        lines.append(f"Edits not applied (notes in Triage): {problems}")
        behind = age is not None and age > config.stale_after_seconds
        if behind:
            lines.append(
                f"BEHIND: the oldest row has waited {_duration(age)}, more than "
                f"{_duration(config.stale_after_seconds)}. Submissions are safe; the sheet is late."
            )
        return lines, behind or parked
    finally:
        outbox.close()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {s} s"
    hours, m = divmod(minutes, 60)
    return f"{hours} h {m} min"


def _clock_text(epoch) -> str:
    if not epoch:
        return "never"
    return datetime.fromtimestamp(float(epoch), _LONDON).strftime("%Y-%m-%d %H:%M:%S %Z")


if __name__ == "__main__":  # python -m forms_app.sheets.worker: exit 0 if a sheet is configured
    from forms_app.organisation.settings import load_settings

    sys.exit(0 if configured(load_settings()) else 1)
