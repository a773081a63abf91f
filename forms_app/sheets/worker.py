"""The sync worker: ``feedback sheets sync`` runs ``SyncWorker.run``; ``--once`` one step.

One step (``SyncWorker.step``), in this order, each request under the quota and retry rules:

1. the cases added or changed since the last step (the store's ``changes_since``, never a
   pass over every case but at the first step): new ones are queued in the outbox, except
   withheld ones (confidential, safeguarding, restricted: not in Intake; restricted: not in
   Triage either);
2. open the sheet if it is not open, then at most one read (``values.batchGet``): the whole
   Triage tab when ``positions`` says it must be read (someone else changed the sheet, a new
   day, every ten minutes at least...), plus the key column of Intake and Problems when an
   unclear append must be settled, Intake is due its hourly check or rows must be cleared
   (``spreadsheet``);
3. settle (``settling``): keys found are sent, the rest pending again; rows deleted by hand
   are queued again;
4. clear (``clearing``): the Intake rows of cases withheld since they were sent, and every
   row of erased or purged cases;
5. append new submissions to Intake (``appending``);
6. after a whole read: find the Triage rows by reference, clearing exact duplicates
   (``settling``), and pull staff edits: those their editors may make and the casework rules
   allow become events, the others get a note and a Problems row (``triage.pull``);
7. rewrite Triage rows whose values changed: stage, owner, due dates, deadline status...
   (``triage.update``): every row after a whole read, else the rows of the changed cases;
8. append new cases to Triage and new problems to Problems (``appending``);
9. refresh the dropdowns when the owners or stages changed (``spreadsheet``).

A failed step is retried after the back-off delay, and the next step settles anything
unclear; a step that keeps failing parks the worker and alerts a person (``parking``). What
``feedback sheets status`` shows is in ``status``.

``python -m forms_app.sheets.worker`` exits 0 when the settings configure a sheet: the run
command asks it whether to start the worker.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from forms_app.accounts import UserBook
from forms_app.casework.flags import is_restricted
from forms_app.casework.index import CaseIndex
from forms_app.casework.transitions import owners_among
from forms_app.messages import smtp as mail
from forms_app.organisation.settings import Settings, SettingsError
from forms_app.procedures.profiles import closure_years
from forms_app.storage.store import EVENTS, SUBMISSIONS

from . import appending, clearing, parking, positions, settling, spreadsheet, triage
from .alerts import Alerts, queued_mail
from .client import build_client, service_account_email
from .config import SheetsConfig, sheets_config
from .layout import INTAKE, TRIAGE, Layout, LayoutError
from .outbox import CLEARING, Outbox, outbox_path
from .positions import Positions
from .push import Pusher
from .quota import RateLimiter
from .retry import Retrier, SyncFailure
from .rows import withheld

log = logging.getLogger("forms_app.sheets")
_LONDON = ZoneInfo("Europe/London")


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


class _Cases:
    """The cases by reference, looked up in the case index one by one (a step that rewrites
    a few rows never builds a map of every case), or all at once for a whole pass."""

    def __init__(self, index: CaseIndex):
        self.index = index
        self.all: dict | None = None

    def load_all(self) -> None:
        self.all = {c.ref: c for c in self.index.all_cases()}

    def get(self, ref: str, default=None):
        if self.all is not None:
            return self.all.get(ref, default)
        case = self.index.get(ref)
        return default if case is None else case

    def __contains__(self, ref: str) -> bool:
        return self.get(ref) is not None

    def __getitem__(self, ref: str):
        case = self.get(ref)
        if case is None:
            raise KeyError(ref)
        return case


class WorkerBusy(Exception):
    """Another sync worker holds the lock for this data directory."""


class SyncWorker:
    """One data directory's worker. It holds what the parts of a step share: the outbox,
    the case index, the request machinery (retries, quotas, the pusher), the sheet once
    opened, and what was last written to each tab."""

    def __init__(
        self,
        parts,
        config: SheetsConfig,
        *,
        clock=None,
        session=None,
        client=None,
        rng=None,
        send=None,
        index: CaseIndex | None = None,
        audit=None,
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
            closures = self.settings.closure_dates(closure_years())
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
            send=send or queued_mail(data_dir, self.clock),
        )
        self.editor = service_account_email(config)
        # The audit log's writer (``forms_app.records.audit.record``, a layer above this one:
        # the command that starts the worker hands it in); without one, refusals are logged.
        self._audit = audit
        # The sheet once opened (None: open it, and check its layout, at the next step).
        self.spreadsheet = None
        self.worksheets: dict = {}
        self.sheet_ids: dict[str, int] = {}
        #: Per tab (Intake, Triage), the references ever queued for it.
        self.known = {tab: self.outbox.known(tab) for tab in (INTAKE, TRIAGE)}
        #: Per reference, the staff columns as last written to Triage.
        self.seen = self.outbox.editable()
        #: Per reference, the summary of what the person wrote, and the Triage cells.
        self.summaries: dict[str, str] = {}
        self.triage_cache: dict[str, tuple] = {}
        #: (reference, column) -> the value of an edit waiting to be attributed.
        self.held: dict[tuple[str, str], str] = {}
        #: Where the Triage rows are, between reads of the whole tab.
        self.positions = Positions()
        #: Where the step has read the store up to (None: every case, at the first step),
        #: the cases kept out of Intake (withheld) and out of Triage (restricted), and the
        #: procedures of every case (for the Stage dropdown).
        self._cursor: object = None
        self.hidden: set[str] = set()
        self.restricted: set[str] = set()
        self.procedures: set[str] = set()
        self._lock_fd: int | None = None

    # -- lifetime -------------------------------------------------------------------------

    def lock(self) -> None:
        """One worker per data directory (raises WorkerBusy). With app servers sharing a
        database, the command takes the database's worker lock instead
        (``storage.postgres.worker_lock``), which holds across every server."""
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

    def run(self, max_steps: int | None = None, *, until=None) -> None:
        """Steps until stopped (``clock.stopping``), ``max_steps`` are done or ``until()`` is
        true (the worker lost the shared database's worker lock)."""
        steps = 0
        while max_steps is None or steps < max_steps:
            stopping = getattr(self.clock, "stopping", None)
            if stopping is not None and stopping.is_set():
                return
            if until is not None and until():
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
            parking.check_behind(self)
            return report
        self.outbox.note(last_attempt_at=now)
        touched = self._changed()
        # A withheld case (confidential, safeguarding, or restricted under UK GDPR Art 18) is
        # not sent to Intake (queued once the flag goes), and one already there has its row
        # cleared (below); a restricted one is not sent to Triage either.
        self._enqueue(touched)
        touched = list(touched)
        restricted = {ref for ref in self.hidden if ref in self.known[INTAKE]}
        gone = {ref for ref, _payload in self.outbox.pending(CLEARING)}
        cases = _Cases(self.index)
        try:
            spreadsheet.open_once(self)
            whole = positions.needs_full_read(self, gone)
            read = spreadsheet.read(
                self, intake=bool(restricted or gone), problems=bool(gone), triage=whole
            )
            settling.settle(self, read, report)
            report.intake_cleared = clearing.clear_restricted(self, read, restricted)
            report.rows_cleared = clearing.clear_gone(self, read, gone)
            report.intake_appended = appending.push_intake(self)
            if whole:
                cases.load_all()
                triage_rows = settling.triage_rows(self, read, report)
                self.positions.learn(triage_rows, len(read[TRIAGE]), self.today(), self._read_at())
                triage.pull(self, triage_rows, cases, report)
            else:
                # Nobody else changed the sheet: only the rows of cases that changed.
                triage_rows = self.positions.of(touched)
            triage.update(self, triage_rows, cases, report)
            report.triage_appended = appending.push_triage(self, cases)
            appending.push_problems(self)
            spreadsheet.refresh_dropdowns(self)
        except SyncFailure as failure:
            report.ok, report.error = False, str(failure)
            log.warning("sheets: step stopped: %s", failure)
            parking.after_failure(self)
        except LayoutError as error:
            report.ok, report.error = False, str(error)
            parking.park(self, f"the sheet's layout needs a person: {error}", "layout")
        else:
            self.outbox.note(last_success_at=self.clock.time())
            if self.outbox.get("parked_since"):
                self.outbox.set(parked_since=None, parked_until=0)
            self.alerts.clear("parked")
            self.alerts.clear("layout")
        finally:
            self.outbox.note(retry=self.retrier.state())
            parking.check_behind(self)
            self.outbox.flush()
        report.parked = float(self.outbox.get("parked_until") or 0) > self.clock.time()
        return report

    # -- what the parts of a step ask -----------------------------------------------------

    def call(self, fn, *, write: bool, idempotent: bool = True):
        """``fn()`` under the retry rules and the read or write quota."""
        return self.retrier.call(
            fn, idempotent=idempotent, limiter=self.writes if write else self.reads
        )

    def _changed(self) -> dict:
        """The cases added or changed since the last step, by reference (every case the
        first time, or after the tables were rewritten), read through the store's
        ``changes_since`` so a step never goes through every case. What the step keeps about
        cases (withheld ones, procedures) is brought up to date for them."""
        self.index.refresh()
        changes = self.parts.store.changes_since(self._cursor, (SUBMISSIONS, EVENTS))
        everything = self._cursor is None or changes.restart
        self._cursor = changes.cursor
        if everything:
            self.hidden.clear()
            self.restricted.clear()
            found = {case.ref: case for case in self.index.all_cases()}
        else:
            rows = [*changes.rows.get(SUBMISSIONS, ()), *changes.rows.get(EVENTS, ())]
            found = {ref: self.index.get(ref) for ref in dict.fromkeys(r["ref"] for r in rows)}
        for ref, case in found.items():
            if case is None:
                self.hidden.discard(ref)
                self.restricted.discard(ref)
                continue
            self.procedures.add(case.procedure)
            (self.hidden.add if withheld(case) else self.hidden.discard)(ref)
            (self.restricted.add if is_restricted(case) else self.restricted.discard)(ref)
        return {ref: case for ref, case in found.items() if case is not None}

    def _read_at(self) -> float:
        return float(self.outbox.get("last_read_at") or self.clock.time())

    def _enqueue(self, cases: dict) -> None:
        """Queue the ``cases`` not yet known to each tab, except those kept out of it."""
        created = float(self.outbox.get("created_at") or 0)
        kept = {INTAKE: self.hidden, TRIAGE: self.restricted}
        for tab in (INTAKE, TRIAGE):
            known = self.known[tab]
            new = [ref for ref in cases if ref not in known and ref not in kept[tab]]
            if not new:
                continue
            items = [(ref, max(cases[ref].received.timestamp(), created), None) for ref in new]
            items.sort(key=lambda item: item[1])  # stable: file order breaks ties
            self.outbox.enqueue(tab, items)
            self.known[tab].update(new)

    def audit(self, **entry) -> None:
        """Record a change or refusal from the sheet in the audit log."""
        if self._audit is None:
            log.info("sheets: %s", entry)
            return
        self._audit(self.settings.data_dir, **entry)

    def today(self) -> date:
        return datetime.fromtimestamp(self.clock.time(), _LONDON).date()

    def layout(self) -> Layout:
        """The tabs' columns and dropdowns for the procedures of every case, and the owners
        and themes in force."""
        procedures = {self.parts.procedure.code: self.parts.procedure}
        for code in sorted(c for c in self.procedures if c):
            if code not in procedures:
                procedures[code] = self.index.procedure_for(code)
        stages = [s.code for p in procedures.values() for s in p.stages]
        return Layout.build(
            self.parts.contract,
            include_personal=self.config.include_personal,
            stages=stages,
            owners=sorted(self.owners()),
            themes=[t.code for t in self.settings.themes],
        )

    def owners(self) -> set[str]:
        """Who may own a case (the rule is casework's, as on the staff pages)."""
        return owners_among(self.users.all())

    def _alert_recipients(self) -> list[str]:
        if self.config.alert_to:
            return list(self.config.alert_to)
        return [u.email for u in UserBook(self.settings.data_dir).with_role("admin") if u.email]


if __name__ == "__main__":  # python -m forms_app.sheets.worker: exit 0 if a sheet is configured
    from forms_app.organisation.settings import load_settings

    sys.exit(0 if configured(load_settings()) else 1)
