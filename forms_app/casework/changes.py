"""What every change to a case shares: who makes it (``Actor``), the refusal with its reason
(``Refused``), the stage an event carries, and the rules that a case whose processing is
restricted (UK GDPR Article 18), or that was merged into another, is not changed. Also the
rule of moving a case to a service under another procedure (``change_service``), which both
triage and the shared sheet reach through ``transitions``.
``transitions``, ``annotations`` and ``linking`` use these (and ``transitions`` offers them to
its callers under its own name)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from forms_app.procedures.choice import calendar_for
from forms_app.procedures.profiles import Procedure, WorkingCalendar

from .deadlines import Due, stage_due
from .events import event
from .flags import is_restricted
from .state import Case


class Refused(Exception):
    """A change the rules do not allow. ``reason`` says why, for staff; ``about`` names the
    argument of the change function the reason is about (``"owner"``, ``"on"``...), or is
    empty when it is about the change as a whole."""

    def __init__(self, reason: str, about: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.about = about


@dataclass(frozen=True)
class Actor:
    """Who makes a change and when: ``name`` goes in every event's actor column, ``at`` is the
    event time (None: now), and ``today`` is the date the rules about dates use."""

    name: str
    today: date
    at: datetime | None = None

    def event(self, case: Case, type_: str, **values: str) -> dict:
        return event(case.ref, self.name, type_, at=self.at, **values)


def stage_code(case: Case) -> str:
    """The stage an event about the current stage carries: the complaint's stage, else empty
    (other feedback has a single step)."""
    return case.stage if case.kind == "complaint" else ""


#: The actor of the changes the person makes themselves (a reply, asking for the next stage).
PERSON = "person"


def refuse_while_restricted(case: Case, actor: Actor, doing: str) -> None:
    """Refuse ``doing`` (for example "closing it") while the case's processing is restricted,
    unless the person themselves asks from the tracking page. A case merged into another is
    refused the same way: its work goes on in the case it was merged into."""
    if case.status == "merged" and actor.name != PERSON:
        raise Refused(
            f"This case was merged into {case.merged_into}, so {doing} is not allowed here. "
            "Make the change on that case"
        )
    if is_restricted(case) and actor.name != PERSON:
        raise Refused(
            f"Processing of this case is restricted (UK GDPR Article 18), so {doing} is not "
            "allowed. Only notes can be added until the restriction is lifted"
        )


# -- a service under another procedure ---------------------------------------------------------


@dataclass(frozen=True)
class ClockChange:
    """What moving a case to another procedure does to its clock: the procedures before and
    after, and the dates of its current stage (or single step) under each (None: no clock)."""

    old: Procedure
    new: Procedure
    before: Due | None
    after: Due | None

    def summary(self) -> str:
        """The change in words, for staff and for the event's note."""

        def due(when: Due | None) -> str:
            day = when.respond if when is not None else None
            return day.isoformat() if day else "agreed with the person"

        return (
            f"Procedure {self.old.code} to {self.new.code}: response due {due(self.after)} "
            f"under {self.new.name}, counted from receipt (was {due(self.before)})"
        )


def _check_procedure_change(case: Case, old: Procedure) -> None:
    # A later stage of one procedure has no counterpart in another: the person asked for it
    # under the old rules, so the case finishes under them.
    if case.kind == "complaint" and case.stage and case.stage != old.first_stage.code:
        raise Refused(
            f"This complaint has gone past {old.first_stage.name} of {old.name}, so it cannot "
            "move to a service under another procedure. Log a new case for that service",
            "service",
        )


def change_service(
    case: Case,
    actor: Actor,
    service: str,
    *,
    old: Procedure,
    new: Procedure,
    calendar: WorkingCalendar,
) -> list[dict]:
    """Move the case to ``service``, whose cases follow procedure ``new`` (``old`` is the
    case's own). Under the same procedure this is one ``service_changed``; under another, a
    ``procedure_changed`` follows it, naming the new procedure (``value``), its first stage
    (``stage``) and, in its note, the old procedure and the clock before and after. The case
    then follows the new procedure counted from the day its clock first started (its receipt,
    or the day an enquiry became a complaint): a complaint starts again at the new first stage
    from that day, keeping its owner and acknowledgement; an extension or pause agreed under
    the old procedure does not carry over. Refused once a complaint is past its first stage."""
    if service == case.service:
        return []
    rows = [actor.event(case, "service_changed", value=service)]
    if new.code == old.code:
        return rows
    _check_procedure_change(case, old)
    moved = actor.event(case, "procedure_changed", value=new.code, stage=new.first_stage.code)
    change = clock_change(case, old, new, calendar, actor.today, [*rows, moved])
    moved["note"] = change.summary()
    return [*rows, moved]


def clock_change(
    case: Case,
    old: Procedure,
    new: Procedure,
    calendar: WorkingCalendar,
    today: date,
    rows: list[dict],
) -> ClockChange:
    """The case's clock before and after ``rows`` (a change of procedure) are applied, as
    things stand ``today``; the case itself is not changed."""
    after = replace(case, events=list(case.events), stages=dict(case.stages))
    for row in rows:
        after.apply(row)
    return ClockChange(
        old,
        new,
        _due(old, calendar_for(old, calendar), case, today),
        _due(new, calendar_for(new, calendar), after, today),
    )


def _due(procedure: Procedure, calendar: WorkingCalendar, case: Case, today: date) -> Due | None:
    current = case.current
    return None if current is None else stage_due(procedure, calendar, case, current, today)
