"""What the person is shown about their case on the tracking page: its stage, its dates (the
dates promised to them: working days), the letters and messages sent to them (titles and
dates, never staff notes), their own messages, what happens next and whether they can ask for
the next stage. In their language and wording."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from forms_app.casework.deadlines import Due
from forms_app.casework.state import Case, day_of
from forms_app.casework.transitions import ask_by
from forms_app.language.welsh import ESCALATION_NAMES_CY, STAGE_NAMES_CY, long_date
from forms_app.messages.outbox import FAILED, Message
from forms_app.procedures.profiles import Procedure, WorkingCalendar

from .words import say, words

#: Messages that are about the case (the tracking code is about the page, not the case).
ABOUT_THE_CASE = (
    "acknowledgement",
    "acknowledged",
    "assigned",
    "extended",
    "paused",
    "resumed",
    "responded",
    "closed",
    "withdrawn",
    "reopened",
    "escalation_received",
)


def stage_name(name: str, language: str) -> str:
    """A procedure's stage name in the person's language (the shipped names have Welsh)."""
    return STAGE_NAMES_CY.get(name, name) if language == "cy" else name


def escalation_name(name: str, language: str) -> str:
    return ESCALATION_NAMES_CY.get(name, name) if language == "cy" else name


@dataclass
class Escalation:
    """The next stage the person can ask for: ``open`` while they can, else ``ended_on``."""

    stage: str
    code: str
    open: bool
    last_day: str = ""
    ended_on: str = ""


@dataclass
class CaseView:
    reference: str
    stage: str
    status: str
    dates: list[tuple[str, str]]
    sent: list[tuple[str, str]]
    replies: list[tuple[str, str]]
    next_steps: str
    files: list[tuple[str, str]] = field(default_factory=list)
    escalation: Escalation | None = None
    ombudsman: str = ""
    words: dict = field(default_factory=dict)
    #: Whether to offer the survey about how the case was handled (once it is closed).
    survey: bool = False


def _status(case: Case) -> str:
    if case.status in ("closed", "withdrawn", "merged"):
        return f"status_{case.status}"
    current = case.current
    if current is not None and (current.responded or current.outcome):
        return "status_responded"
    return "status_waiting"


def _when(moment: float | None, language: str) -> str:
    if not moment:
        return ""
    return long_date(datetime.fromtimestamp(moment, UTC).date(), language)


def build(
    case: Case,
    *,
    procedure: Procedure,
    calendar: WorkingCalendar,
    due: Due | None,
    messages: list[Message],
    files: Sequence[Mapping[str, str]] = (),
    today: date,
    language: str,
    wording: str,
) -> CaseView:
    """The page's contents for ``case`` (``due``: its current stage's dates, None when it is
    closed; ``messages``: what the outbox holds for it; ``files``: its evidence rows, each
    file's latest)."""
    said = words(language, wording)

    def on(value: date | None) -> str:
        return long_date(value, language) if value else said["not_yet"]

    current = case.current
    stage = ""
    if case.kind == "complaint" and case.stage:
        try:
            stage = stage_name(procedure.stage(case.stage).name, language)
        except KeyError:
            stage = case.stage
    promised = due.respond_promised if due is not None else None
    dates = [(said["received"], long_date(case.received.date(), language))]
    if current is not None:
        dates.append((said["acknowledged"], on(current.acknowledged)))
        if current.responded:
            dates.append((said["responded"], on(current.responded)))
        elif case.is_open:
            dates.append((said["respond_by"], on(promised) if promised else said["agreed"]))
    sent = [
        (said[f"type_{m.type}"], _when(m.sent_at or m.queued_at, language))
        for m in messages
        if m.type in ABOUT_THE_CASE and m.state != FAILED
    ]
    sent += [
        (said["letter"], long_date(day_of(e["at"]), language))
        for e in case.events
        if e["type"] == "letter_sent"
    ]
    replies = [
        (long_date(day_of(e["at"]), language), e.get("note") or "")
        for e in case.events
        if e["type"] == "person_replied"
    ]
    yours = [
        (row["name"], long_date(day_of(row["at"]), language))
        for row in files
        if row.get("added_by") == "person" and row.get("scan") != "infected"
    ]
    status = _status(case)
    if status == "status_merged":
        # Joined with another case from the same person: that case's details are not shown here.
        next_steps = said["next_merged"]
    elif status in ("status_closed", "status_withdrawn"):
        next_steps = said["next_closed"]
    elif status == "status_responded":
        next_steps = said["next_responded"]
    elif promised:
        next_steps = say(language, wording, "next_waiting", date=long_date(promised, language))
    else:
        next_steps = said["next_waiting_agreed"]
    view = CaseView(
        reference=case.ref,
        stage=stage,
        status=said[status],
        dates=dates,
        sent=sent,
        replies=replies,
        next_steps=next_steps,
        files=yours,
        words=said,
        survey=case.status == "closed",
    )
    following, last_day = ask_by(case, procedure, calendar)
    if following is not None:
        name = stage_name(following.name, language)
        still = last_day is None or today <= last_day
        view.escalation = Escalation(
            stage=name,
            code=following.code,
            open=still,
            last_day=long_date(last_day, language) if last_day and still else "",
            ended_on="" if still else long_date(last_day, language),
        )
    if current is not None and current.responded:
        view.ombudsman = escalation_name(procedure.escalation.get("name", ""), language)
    return view
