"""Due dates: a stage's acknowledgement and response dates from the procedure profile, moved by
an agreed extension and by pauses, and the on time / due soon / overdue status of a case.

Rules (the procedure module's day-0 rule applies throughout):
- the first stage of a complaint starts on receipt (or the day an enquiry became a complaint);
  a later stage starts on the day the person asked for it (``stage_entered``'s date);
- with ``day_zero: acknowledgement`` the response counts from the actual acknowledgement, or
  from the acknowledgement due date while there is none;
- an extension replaces the response date with the date agreed;
- a pause (waiting for the person) moves the response date on by the working days paused
  (calendar days for a calendar-day target); pauses before the latest extension are already
  allowed for by it; while paused, the case is not overdue.

Each date has a twin: the date promised to the person (``Procedure.promise``: a date counted in
calendar days that ends on a weekend, bank holiday or closure day is promised on the working day
before it). Status (on time, due soon, overdue) and the reports follow the statutory date; the
person, and the staff beside it, see the promised one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from forms_app.procedures.profiles import Procedure, Target, WorkingCalendar

from .state import Case, StageState

ON_TIME, DUE_SOON, OVERDUE, PAUSED = "on_time", "due_soon", "overdue", "paused"
SOON_WORKING_DAYS = 2


@dataclass(frozen=True)
class Due:
    """A stage's dates: targets as the profile sets them, and as moved by extension and pauses;
    ``*_promised`` are the same dates as promised to the person (see the module docstring)."""

    acknowledge: date | None
    respond_target: date | None  # before extension and pauses
    respond: date | None  # in force now
    paused_days: int = 0
    acknowledge_promised: date | None = None
    respond_promised: date | None = None

    def next_for(self, stage: StageState) -> tuple[str, date | None]:
        """What is due next for this stage and by when: ('acknowledge'|'respond'|'', date)."""
        if stage.acknowledged is None and self.acknowledge is not None:
            return "acknowledge", self.acknowledge
        if stage.responded is None and not stage.outcome:
            return "respond", self.respond
        return "", None


def targets_for(procedure: Procedure, case: Case) -> tuple[Target | None, Target | None]:
    """(acknowledge, respond) targets of the case's current stage or kind."""
    if case.kind == "complaint":
        try:
            stage = procedure.stage(case.stage or procedure.first_stage.code)
        except KeyError:
            return None, None
        return stage.acknowledge, stage.respond
    targets = procedure.kinds.get(case.kind) or {}
    return targets.get("acknowledge"), targets.get("respond")


def stage_due(
    procedure: Procedure,
    calendar: WorkingCalendar,
    case: Case,
    stage: StageState,
    today: date,
    targets: tuple[Target | None, Target | None] | None = None,
) -> Due:
    """The due dates of ``stage`` of ``case`` as things stand ``today``."""
    ack_target, respond_target = targets or targets_for(procedure, case)
    ack = procedure.due(stage.started, ack_target, calendar) if ack_target else None
    respond_from = stage.started
    if procedure.day_zero == "acknowledgement" and case.kind == "complaint":
        respond_from = stage.acknowledged or ack or stage.started
    target = procedure.due(respond_from, respond_target, calendar) if respond_target else None
    respond = stage.extended_to or target
    paused = 0
    if respond is not None and stage.pauses:
        since = stage.extended_on or stage.started
        for began, ended in stage.pauses:
            if began < since:
                continue
            end = ended or today
            if respond_target is not None and respond_target.unit == "calendar":
                paused += max(0, (end - began).days)
            else:
                paused += calendar.working_days_between(began, end)
        if paused:
            if respond_target is not None and respond_target.unit == "calendar":
                respond = respond + timedelta(days=paused)
            else:
                respond = calendar.add_working_days(respond, paused)
    counted = respond_target
    if stage.extended_to and not paused:
        counted = None  # a date agreed with the person is promised as agreed
    return Due(
        ack,
        target,
        respond,
        paused,
        acknowledge_promised=procedure.promise(ack, ack_target, calendar),
        respond_promised=procedure.promise(respond, counted, calendar),
    )


def answered_stages(
    procedure: Procedure, calendar: WorkingCalendar, case: Case
) -> tuple[tuple[date, bool], ...]:
    """Each stage of a complaint answered in full, as (the day it was answered, whether that was
    by the date the procedure sets for the stage before any extension). Stages whose response
    time is agreed with the person, or that this procedure does not have, have no target and are
    left out; any other kind of case answers none."""
    if case.kind != "complaint":
        return ()
    answered = []
    for stage in case.stages.values():
        if stage.responded is None:
            continue
        try:
            profile = procedure.stage(stage.code)
        except KeyError:
            continue  # a stage this procedure does not have: no target to be on time for
        if profile.respond is None:
            continue  # the time is agreed with the person: no target to be on time for
        targets = (profile.acknowledge, profile.respond)
        due = stage_due(procedure, calendar, case, stage, stage.responded, targets)
        on_time = due.respond_target is not None and stage.responded <= due.respond_target
        answered.append((stage.responded, on_time))
    return tuple(answered)


def status_of(due_on: date | None, today: date, soon_by: date, paused: bool = False) -> str:
    """on_time, due_soon (within 2 working days), overdue, or paused."""
    if paused:
        return PAUSED
    if due_on is None:
        return ON_TIME
    if due_on < today:
        return OVERDUE
    if due_on <= soon_by:
        return DUE_SOON
    return ON_TIME


def soon_limit(calendar: WorkingCalendar, today: date) -> date:
    """The last day that counts as 'due within 2 working days' of today."""
    return calendar.add_working_days(today, SOON_WORKING_DAYS)


def deadline_lines(procedure: Procedure, calendar: WorkingCalendar, received: date) -> list[str]:
    """Every due date for a case received on ``received``, one tab-separated line each:
    ``what  statutory  promised  rule``, the dates as YYYY-MM-DD: the statutory date counted as
    the procedure says, and the date promised to the person (``Procedure.promise``). Each stage
    is counted as if it started that day (a later stage really starts when the person asks for
    it), so the arithmetic can be checked by hand."""
    lines = []

    def line(what: str, when: date | None, rule: str, target: Target | None = None) -> None:
        promised = procedure.promise(when, target, calendar)
        lines.append(f"{what}\t{_iso(when)}\t{_iso(promised)}\t{rule}")

    for stage in procedure.stages:
        ack = procedure.due(received, stage.acknowledge, calendar) if stage.acknowledge else None
        line(
            f"{stage.code}.acknowledge",
            ack,
            f"{stage.acknowledge} from the start of the stage" if stage.acknowledge else "none set",
            stage.acknowledge,
        )
        if stage.respond is None:
            line(f"{stage.code}.respond", None, "agreed with the person")
            continue
        counting_from = received
        basis = "the start of the stage"
        if procedure.day_zero == "acknowledgement" and ack is not None:
            counting_from, basis = ack, "the acknowledgement due date"
        respond = procedure.due(counting_from, stage.respond, calendar)
        line(f"{stage.code}.respond", respond, f"{stage.respond} from {basis}", stage.respond)
        if stage.extension_limit is not None:
            extended = procedure.due(respond, stage.extension_limit, calendar)
            line(
                f"{stage.code}.respond_extended",
                extended,
                f"{stage.extension_limit} more",
                stage.extension_limit,
            )
    for kind, targets in procedure.kinds.items():
        for step in ("acknowledge", "respond"):
            target = targets.get(step)
            if target is not None:
                when = procedure.due(received, target, calendar)
                line(f"{kind}.{step}", when, f"{target}", target)
    return lines


def _iso(when: date | None) -> str:
    return when.isoformat() if when else "none"
