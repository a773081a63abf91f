"""The rules of every change to where a case stands: triage, acknowledging, extensions, pauses,
outcomes, sign-off, moving on a stage or to the ombudsman, owners, closing, withdrawing and
reopening.

Each change is one function taking the case as it stands, who makes the change (an ``Actor``)
and the values given, and returning the event rows to append, or raising ``Refused`` with the
reason in words a member of staff understands. Nothing here reads a form, a spreadsheet or a
file: the staff pages and the shared sheet turn their input into the same call, so the same
edit made in either place gives the same events or the same refusal. The caller stores the
rows (``events.record``), which checks each one against the events schema.

The ``can_*`` functions say whether a change is on offer at all (the staff pages list only
those); the change functions check everything again, with a reason for each refusal.

While a case's processing is restricted (UK GDPR Article 18: kept, but not used) every change
here is refused, whoever asks (``refuse_while_restricted``); staff may still add notes and lift
the restriction (``annotations``). What the person does themselves from the tracking page (a
reply, asking for the next stage) is still kept: it is their own request, not our use of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from forms_app.procedures.profiles import Procedure, WorkingCalendar
from forms_app.storage.vocabulary import OUTCOMES

# Offered here too: callers make changes through this module and catch its refusals.
from .changes import PERSON as PERSON
from .changes import Actor, Refused, refuse_while_restricted, stage_code
from .changes import ClockChange as ClockChange
from .changes import change_service as change_service
from .changes import clock_change as clock_change
from .state import Case

#: The roles whose holders may own (handle) a case.
OWNER_ROLES = ("officer", "manager")
#: Outcomes a person records; "withdrawn" is recorded only by withdrawing.
RECORDABLE_OUTCOMES = tuple(code for code in OUTCOMES if code != "withdrawn")
#: Kinds of feedback that end with an outcome.
KINDS_WITH_OUTCOME = ("complaint", "concern", "enquiry")
OMBUDSMAN = "ombudsman"
#: The changes the person is told about (by email or text, when they chose one), and the
#: message each sends (``forms_app/messages/wording/<message>.yaml``). ``messaging`` queues
#: them whenever ``events.record`` stores such an event, however the change was made.
TELLS_THE_PERSON = {
    "acknowledged": "acknowledged",
    "assigned": "assigned",
    "extension_agreed": "extended",
    "paused": "paused",
    "resumed": "resumed",
    "responded": "responded",
    "closed": "closed",
    "withdrawn": "withdrawn",
    "reopened": "reopened",
}
#: The note of an acknowledgement given by a letter sent to the person (``send_letter``): the
#: letter told them, so no message about it goes to them as well.
ACKNOWLEDGED_BY_LETTER = "by letter"


def tells_the_person(row: dict) -> str | None:
    """The message type of the update an event tells the person about, or None."""
    if row.get("type") == "acknowledged" and row.get("note") == ACKNOWLEDGED_BY_LETTER:
        return None
    return TELLS_THE_PERSON.get(row.get("type", ""))


class Account(Protocol):
    """What the rules need of a staff account (``forms_app.accounts.User`` has it)."""

    username: str
    active: bool

    def has(self, *roles: str) -> bool: ...


def may_own(account: Account) -> bool:
    """Whether this account may own cases: active, and an officer or a manager."""
    return account.active and account.has(*OWNER_ROLES)


def owners_among(accounts: Iterable[Account]) -> set[str]:
    """The usernames of the accounts that may own cases."""
    return {a.username for a in accounts if may_own(a)}


def _iso(value: date | None) -> str:
    return value.isoformat() if isinstance(value, date) else ""


def _not_future(on: date | None, actor: Actor, about: str = "on") -> None:
    if isinstance(on, date) and on > actor.today:
        raise Refused("The date must be today or in the past", about)


def _require_open(case: Case, doing: str) -> None:
    if not case.is_open:
        raise Refused(f"The case is {case.status}: reopen it before {doing}")


# -- owners and independence -----------------------------------------------------------------


def previous_stage(procedure: Procedure, code: str):
    """The stage before ``code`` in the procedure, or None for the first (or an unknown) one."""
    codes = [s.code for s in procedure.stages]
    if code not in codes or codes.index(code) == 0:
        return None
    return procedure.stages[codes.index(code) - 1]


def _check_independent(case: Case, procedure: Procedure, code: str, owner: str) -> None:
    """Refuse ``owner`` at stage ``code`` when the procedure says that stage must be handled by
    someone other than the person who owned the stage before it."""
    if not owner or code not in {s.code for s in procedure.stages}:
        return
    stage = procedure.stage(code)
    before = previous_stage(procedure, code)
    if not stage.independent_of_previous_stage or before is None:
        return
    earlier = case.stages.get(before.code)
    if earlier is None or earlier.owner != owner:
        return
    rule = stage.handler_rule or (
        f"{stage.name} must be handled by a different person from the one who handled "
        f"{before.name}."
    )
    raise Refused(f"{rule} Choose someone else", "owner")


def _check_owner(owner: str, owners: Iterable[str]) -> None:
    if not owner:
        raise Refused("An owner cannot be removed: choose another owner", "owner")
    if owner not in set(owners):
        raise Refused(f"{owner!r} is not an active officer or manager account", "owner")


def assign(
    case: Case,
    actor: Actor,
    owner: str,
    *,
    owners: Iterable[str],
    procedure: Procedure,
    note: str = "",
) -> list[dict]:
    """Make ``owner`` the person handling the case (at its current stage)."""
    refuse_while_restricted(case, actor, "changing the owner")
    _check_owner(owner, owners)
    _require_open(case, "changing the owner")
    if case.kind == "complaint":
        _check_independent(case, procedure, case.stage, owner)
    return [actor.event(case, "assigned", stage=stage_code(case), value=owner, note=note)]


# -- triage ------------------------------------------------------------------------------------


def change_kind(case: Case, actor: Actor, kind: str, *, note: str = "") -> list[dict]:
    """Treat the feedback as another kind (an enquiry that is really a complaint...)."""
    if kind == case.kind:
        return []
    refuse_while_restricted(case, actor, "changing the kind of feedback")
    said = f"was {case.kind}" + (f"; {note}" if note else "")
    return [actor.event(case, "kind_changed", kind=kind, note=said)]


def set_themes(
    case: Case, actor: Actor, themes: Iterable[str], *, known: Iterable[str]
) -> list[dict]:
    """Make the case's themes exactly ``themes`` (codes): added ones, then removed ones."""
    known = list(known)
    wanted = list(dict.fromkeys(themes))
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise Refused(
            f"Unknown theme {', '.join(map(repr, unknown))}: use codes from " + ", ".join(known),
            "themes",
        )
    rows = [actor.event(case, "theme_added", value=t) for t in wanted if t not in case.themes]
    rows += [actor.event(case, "theme_removed", value=t) for t in case.themes if t not in wanted]
    if rows:
        refuse_while_restricted(case, actor, "changing the themes")
    return rows


def triage(
    case: Case,
    actor: Actor,
    *,
    kind: str,
    service: str,
    themes: Iterable[str],
    owner: str,
    owners: Iterable[str],
    known_themes: Iterable[str],
    procedure: Procedure,
    service_procedure: Procedure | None = None,
    calendar: WorkingCalendar | None = None,
    note: str = "",
) -> list[dict]:
    """Sort new feedback: its kind, service, themes and owner (``note`` goes on the assignment,
    for example the owner's independence having been checked). ``service_procedure`` is the
    procedure of ``service`` (None: the case's own); when it is another, the case moves to it
    (``change_service``, its clock counted with ``calendar``)."""
    refuse_while_restricted(case, actor, "triaging it")
    _require_open(case, "triaging it")
    rows = change_kind(case, actor, kind)
    new = service_procedure or procedure
    rows += change_service(
        case, actor, service, old=procedure, new=new, calendar=calendar or procedure.calendar()
    )
    rows += set_themes(case, actor, themes, known=known_themes)
    if owner != case.owner:
        _check_owner(owner, owners)
        if kind == "complaint" and case.kind == "complaint":
            _check_independent(case, procedure, case.stage, owner)
        # The stage is the one the case is at before this triage: a case that only now
        # becomes a complaint is assigned as a whole, not at a stage.
        stage = stage_code(case) if kind == "complaint" else ""
        if stage and new.code != procedure.code:
            stage = new.first_stage.code  # it starts again there (``change_service``)
        rows.append(actor.event(case, "assigned", value=owner, stage=stage, note=note))
    return rows


# -- the clock of the current stage -----------------------------------------------------------


def can_acknowledge(case: Case) -> bool:
    return case.is_open and case.current is not None and case.current.acknowledged is None


def acknowledge(case: Case, actor: Actor, on: date | None = None) -> list[dict]:
    """Record that the person was told their feedback arrived (on ``on``; None: today)."""
    refuse_while_restricted(case, actor, "acknowledging it")
    current = case.current
    if current is None:
        raise Refused("There is nothing to acknowledge at this point")
    if current.acknowledged is not None:
        raise Refused(f"Already acknowledged on {current.acknowledged.isoformat()}", "on")
    _require_open(case, "acknowledging it")
    _not_future(on, actor)
    if on is not None and on < current.started:
        raise Refused(f"The date is before the stage started ({current.started.isoformat()})", "on")
    return [actor.event(case, "acknowledged", stage=stage_code(case), value=_iso(on))]


def _has_response_date(case: Case) -> bool:
    """Compliments and comments are thanked, not answered: they have no response date to move."""
    return case.kind in KINDS_WITH_OUTCOME


def can_extend(case: Case) -> bool:
    return (
        _has_response_date(case)
        and case.is_open
        and case.current is not None
        and not case.current.outcome
    )


def extend(case: Case, actor: Actor, until: date, reason: str) -> list[dict]:
    """Agree a later response date with the person."""
    refuse_while_restricted(case, actor, "agreeing an extension")
    if not _has_response_date(case):
        raise Refused(f"A {case.kind} has no response date to extend")
    if not can_extend(case):
        raise Refused("Only an open stage with no outcome yet can be extended")
    if until <= actor.today:
        raise Refused("The new response date must be in the future", "until")
    return [
        actor.event(
            case, "extension_agreed", stage=stage_code(case), value=until.isoformat(), note=reason
        )
    ]


def can_pause(case: Case) -> bool:
    return (
        _has_response_date(case)
        and case.is_open
        and case.current is not None
        and not case.current.paused
    )


def pause(case: Case, actor: Actor, reason: str) -> list[dict]:
    """Stop the clock while waiting for the person."""
    refuse_while_restricted(case, actor, "pausing the clock")
    if not _has_response_date(case):
        raise Refused(f"A {case.kind} has no response date: there is no clock to pause")
    if not can_pause(case):
        raise Refused("The clock is already paused, or the case is not open")
    return [actor.event(case, "paused", stage=stage_code(case), note=reason)]


def can_resume(case: Case) -> bool:
    return case.is_open and case.current is not None and case.current.paused


def resume(case: Case, actor: Actor, note: str = "") -> list[dict]:
    """Start the clock again."""
    refuse_while_restricted(case, actor, "restarting the clock")
    if not can_resume(case):
        raise Refused("The clock is not paused")
    return [actor.event(case, "resumed", stage=stage_code(case), note=note)]


# -- outcomes and sign-off ---------------------------------------------------------------------


def can_record_outcome(case: Case) -> bool:
    return case.is_open and case.kind in KINDS_WITH_OUTCOME and case.current is not None


def record_outcome(
    case: Case,
    actor: Actor,
    outcome: str,
    *,
    findings: str = "",
    cause: str | None = None,
    remedy: str | None = None,
    on: date | None = None,
) -> list[dict]:
    """Record the outcome of the current stage: the response sent (on ``on``, None: today) if
    not recorded yet, the outcome with what was found, and the cause and remedy when given."""
    refuse_while_restricted(case, actor, "recording an outcome")
    if not outcome:
        raise Refused("An outcome cannot be removed", "outcome")
    if outcome not in RECORDABLE_OUTCOMES:
        raise Refused(
            f"Unknown outcome {outcome!r}: use {', '.join(RECORDABLE_OUTCOMES)}", "outcome"
        )
    if case.kind not in KINDS_WITH_OUTCOME or case.current is None:
        raise Refused(f"A {case.kind} has no outcome to record", "outcome")
    _require_open(case, "changing the outcome")
    _not_future(on, actor)
    stage = stage_code(case)
    rows = []
    if case.current.responded is None:
        rows.append(actor.event(case, "responded", stage=stage, value=_iso(on)))
    rows.append(actor.event(case, "outcome_recorded", stage=stage, outcome=outcome, note=findings))
    if cause is not None:
        rows.append(actor.event(case, "cause_recorded", stage=stage, note=cause))
    if remedy is not None:
        rows.append(actor.event(case, "remedy_recorded", stage=stage, note=remedy))
    return rows


def can_sign_off(case: Case) -> bool:
    return (
        case.current is not None and bool(case.current.outcome) and not case.current.signed_off_by
    )


def sign_off(case: Case, actor: Actor, note: str = "") -> list[dict]:
    """The responsible person confirms the response is complete."""
    refuse_while_restricted(case, actor, "signing off the response")
    if not can_sign_off(case):
        raise Refused("There is no outcome waiting to be signed off")
    return [actor.event(case, "signed_off", stage=stage_code(case), note=note)]


# -- stages and the ombudsman ------------------------------------------------------------------


def can_escalate(case: Case) -> bool:
    return case.kind == "complaint" and not case.ombudsman_referred


def next_stage(case: Case, procedure: Procedure):
    """The stage a complaint can move on to next, or None at the last stage."""
    codes = [s.code for s in procedure.stages]
    later = codes[codes.index(case.stage) + 1 :] if case.stage in codes else codes[1:]
    return procedure.stage(later[0]) if later else None


def enter_stage(
    case: Case,
    actor: Actor,
    to: str,
    *,
    procedure: Procedure,
    owners: Iterable[str],
    owner: str | None = None,
    on: date | None = None,
    note: str = "",
) -> list[dict]:
    """Move the case to stage ``to`` of its procedure, or to the ombudsman (``"ombudsman"``).

    A complaint moves on one stage at a time and never back. Feedback that is not a complaint
    becomes one at the first stage. ``owner`` is the person handling the new stage: None keeps
    the current owner (no assignment event), empty is refused. ``on`` is the day the person
    asked: the new stage's dates count from it (None: today; for the ombudsman, the day the
    event is recorded)."""
    codes = [s.code for s in procedure.stages]
    shown = OMBUDSMAN if case.ombudsman_referred else stage_code(case)
    if to == shown:
        return []
    refuse_while_restricted(case, actor, "moving it to another stage")
    allowed = ", ".join([*codes, OMBUDSMAN])
    if not to:
        put_back = shown or codes[0]
        raise Refused(f"A complaint's stage cannot be removed. Put back {put_back}", "to")
    if to != OMBUDSMAN and to not in codes:
        raise Refused(
            f"The procedure ({procedure.name}) has no stage {to!r}. Its stages: {allowed}", "to"
        )
    _not_future(on, actor)
    if to == OMBUDSMAN:
        if case.kind != "complaint":
            raise Refused("Only a complaint can go to the ombudsman", "to")
        return [actor.event(case, "ombudsman_referred", stage=OMBUDSMAN, value=_iso(on), note=note)]
    if case.ombudsman_referred:
        raise Refused("The case is with the ombudsman: it cannot go back to a local stage", "to")
    if case.kind != "complaint":
        if to != codes[0]:
            raise Refused(
                f"A {case.kind} becomes a complaint at the first stage ({codes[0]}), not {to}",
                "to",
            )
        return change_kind(case, actor, "complaint", note=note)
    here = codes.index(case.stage) if case.stage in codes else 0
    there = codes.index(to)
    if there < here:
        raise Refused(f"A case cannot go back from {case.stage} to {to}", "to")
    if there > here + 1:
        raise Refused(
            f"A case moves on one stage at a time: after {case.stage} comes {codes[here + 1]}",
            "to",
        )
    if owner is not None:
        if not owner:
            raise Refused("Select the owner at the new stage", "owner")
        _check_owner(owner, owners)
    _check_independent(case, procedure, to, case.owner if owner is None else owner)
    started = _iso(on) or actor.today.isoformat()
    rows = [actor.event(case, "stage_entered", stage=to, value=started, note=note)]
    if owner is not None:
        rows.append(actor.event(case, "assigned", stage=to, value=owner))
    return rows


def can_record_ombudsman_outcome(case: Case) -> bool:
    return bool(case.ombudsman_referred)


def record_ombudsman_outcome(case: Case, actor: Actor, outcome: str, note: str = "") -> list[dict]:
    """Record what the ombudsman decided."""
    refuse_while_restricted(case, actor, "recording the ombudsman's outcome")
    if not can_record_ombudsman_outcome(case):
        raise Refused("The case has not been referred to the ombudsman")
    if outcome not in RECORDABLE_OUTCOMES:
        raise Refused(
            f"Unknown outcome {outcome!r}: use {', '.join(RECORDABLE_OUTCOMES)}", "outcome"
        )
    return [actor.event(case, "ombudsman_outcome", stage=OMBUDSMAN, outcome=outcome, note=note)]


# -- open, closed, withdrawn -------------------------------------------------------------------


def close(case: Case, actor: Actor, note: str = "") -> list[dict]:
    """Close the case. A complaint's current stage needs its outcome first."""
    refuse_while_restricted(case, actor, "closing it")
    _require_open(case, "closing it")
    current = case.current
    if case.kind == "complaint" and current is not None and not current.outcome:
        raise Refused("Record the outcome of this stage before closing the case")
    return [actor.event(case, "closed", stage=stage_code(case), note=note)]


def withdraw(case: Case, actor: Actor, reason: str = "") -> list[dict]:
    """The person withdrew their feedback. A complaint stage with no outcome yet gets the
    outcome "withdrawn"."""
    refuse_while_restricted(case, actor, "recording a withdrawal")
    _require_open(case, "recording a withdrawal")
    current = case.current
    stage = stage_code(case)
    rows = []
    if case.kind == "complaint" and current is not None and not current.outcome:
        rows.append(
            actor.event(case, "outcome_recorded", stage=stage, outcome="withdrawn", note=reason)
        )
    rows.append(actor.event(case, "withdrawn", stage=stage, note=reason))
    return rows


def reopen(case: Case, actor: Actor, reason: str = "") -> list[dict]:
    """Open a closed or withdrawn case again; its current stage's clock starts again."""
    refuse_while_restricted(case, actor, "reopening it")
    if case.is_open:
        raise Refused("The case is open already")
    return [actor.event(case, "reopened", stage=stage_code(case), note=reason)]


#: Each status a case can be set to, and the change that sets it.
STATUS_CHANGES = {"open": reopen, "closed": close, "withdrawn": withdraw}


def set_status(case: Case, actor: Actor, status: str, note: str = "") -> list[dict]:
    """Set the case to ``status`` (open, closed or withdrawn) by the change that does it."""
    if status not in STATUS_CHANGES:
        raise Refused(f"Unknown status {status!r}: use {', '.join(STATUS_CHANGES)}", "status")
    if status == case.status:
        return []
    return STATUS_CHANGES[status](case, actor, note)


# -- what the person does from the tracking page ----------------------------------------------


def person_reply(case: Case, actor: Actor, text: str) -> list[dict]:
    """The person sent a message about their case; staff see it on the timeline."""
    text = (text or "").strip()
    if not text:
        raise Refused("The message is empty", "text")
    return [actor.event(case, "person_replied", stage=stage_code(case), note=text)]


def person_add_file(case: Case, actor: Actor, file_id: str, name: str) -> list[dict]:
    """The person added a file (its id in the evidence table, its safe name); staff see it on
    the timeline and open it from the case's files once it has been scanned."""
    if not file_id:
        raise Refused("The file has no id", "file_id")
    return [
        actor.event(case, "person_added_file", stage=stage_code(case), value=file_id, note=name)
    ]


def ask_by(case: Case, procedure: Procedure, calendar) -> tuple[object, date | None]:
    """(the stage the person may ask for next, the last day they may ask), or (None, None)
    when there is none to ask for now: not a complaint, no response yet at the current stage,
    the last stage, or with the ombudsman. A stage whose profile sets no time to ask has no
    last day (None with the stage)."""
    current = case.current
    if case.kind != "complaint" or case.ombudsman_referred or current is None:
        return None, None
    if current.responded is None:
        return None, None
    following = next_stage(case, procedure)
    if following is None:
        return None, None
    if following.ask_within is None:
        return following, None
    return following, procedure.due(current.responded, following.ask_within, calendar)


def person_escalate(
    case: Case,
    actor: Actor,
    reasons: str,
    *,
    procedure: Procedure,
    calendar,
    owners: Iterable[str],
) -> list[dict]:
    """The person asks for the next stage with their reasons: the stage starts today, as when
    a member of staff records the request (``enter_stage``), so its clock runs from today."""
    reasons = (reasons or "").strip()
    following, last_day = ask_by(case, procedure, calendar)
    if following is None:
        raise Refused("There is no stage to ask for now")
    if last_day is not None and actor.today > last_day:
        raise Refused(f"The time to ask for {following.name} ended on {last_day.isoformat()}")
    if not reasons:
        raise Refused("Say why you are asking", "reasons")
    try:
        return enter_stage(
            case, actor, following.code, procedure=procedure, owners=owners, note=reasons
        )
    except Refused as refusal:
        if refusal.about != "owner":
            raise
        # The stage must be handled by someone else: it starts all the same, and staff choose
        # its owner (the request is never lost for want of one).
        return [
            actor.event(
                case,
                "stage_entered",
                stage=following.code,
                value=actor.today.isoformat(),
                note=reasons,
            )
        ]
