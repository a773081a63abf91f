"""Requests to investigators: the officer asks a named person (a member of staff with an
account, or an investigating manager without one) for a statement, information or a draft
response, by a due date in working days, showing them only what the officer chose. Each change
is a case event (``request_state`` folds them): ask, answer, remind, revoke, withdraw.

Rules:
- a request is made only on an open case whose processing is not restricted, to someone
  named (an account, or a name and an email address), with a question and a due date that is
  a working day after today;
- the person asked sees the person's account of their feedback (what happened, what they would
  like to happen, where) and, when chosen, named files of the case: never the person's name or
  contact details;
- an answer, revoking and withdrawing apply only to an outstanding request; an answer holds
  text or files or both;
- a reminder goes once when the due date is at most ``REMIND_BEFORE`` working days away, and
  once when it has passed (``due_reminders``); each is a ``request_reminded`` event.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from forms_app.procedures.profiles import WorkingCalendar

from .changes import Actor, Refused, refuse_while_restricted
from .request_state import (
    ASKS,
    BEFORE,
    OVERDUE,
    SHARES,
    InvestigatorRequest,
)
from .state import Case

#: Reminders go this many working days before the due date.
REMIND_BEFORE = 2
#: The longest question or answer (the events schema's note allows more; the rest is headroom).
TEXT_MAX = 5000
#: How many working days the officer may give, at most.
MOST_WORKING_DAYS = 60
#: An address as people type one: something, an @, a dotted domain, no spaces.
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
#: Characters no keyboard types: control characters other than tab and new lines.
_REFUSED = {chr(n) for n in range(32) if chr(n) not in "\t\n\r"} | {"\x7f"}


def new_ident() -> str:
    """A request's identifier, ``R-`` and ten random symbols."""
    return "R-" + secrets.token_urlsafe(8)[:10].replace("-", "x").replace("_", "y")


def _text(value: str, about: str, what: str, *, required: bool = True) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise Refused(f"Enter {what}", about)
    if any(ch in _REFUSED for ch in value):
        raise Refused(f"{what[0].upper()}{what[1:]} holds characters that cannot be kept", about)
    if len(value) > TEXT_MAX:
        raise Refused(f"{what[0].upper()}{what[1:]} must be {TEXT_MAX} characters or fewer", about)
    return value


@dataclass(frozen=True)
class Asked:
    """Who is asked: a staff account (``user``), or a name and an email address."""

    user: str = ""
    name: str = ""
    email: str = ""


def due_from(calendar: WorkingCalendar, today: date, working_days: str | int) -> date:
    """The due date ``working_days`` working days after today; Refused when not a number from
    1 to ``MOST_WORKING_DAYS``."""
    try:
        days = int(str(working_days).strip())
    except ValueError:
        raise Refused("Enter the number of working days as a number, like 10", "days") from None
    if not 1 <= days <= MOST_WORKING_DAYS:
        raise Refused(f"Give between 1 and {MOST_WORKING_DAYS} working days", "days")
    return calendar.add_working_days(today, days)


def ask(
    case: Case,
    actor: Actor,
    asked: Asked,
    *,
    asks: str,
    question: str,
    due: date,
    shares: str,
    files: Iterable[str] = (),
    accounts: Iterable[str] = (),
    case_files: Iterable[str] = (),
) -> list[dict]:
    """The ``request_sent`` event of a new request. ``accounts``: the usernames that may be
    asked; ``case_files``: the ids of the case's files that may be shared."""
    if not case.is_open:
        raise Refused("Requests can only be made on an open case")
    refuse_while_restricted(case, actor, "asking for a statement")
    if asks not in ASKS:
        raise Refused("Choose what you are asking for", "asks")
    if shares not in SHARES:
        raise Refused("Choose what they may see", "shares")
    if asked.user:
        if asked.user not in set(accounts):
            raise Refused("Choose a member of staff from the list", "user")
        to = {"to_user": asked.user, "to_name": "", "to_email": ""}
    else:
        name = _text(asked.name, "name", "the name of the person you are asking")
        if len(name) > 100:
            raise Refused("The name must be 100 characters or fewer", "name")
        email = (asked.email or "").strip()
        if not email:
            raise Refused("Enter their email address", "email")
        if len(email) > 254 or not _EMAIL.match(email):
            raise Refused("Enter an email address like name@example.org", "email")
        to = {"to_user": "", "to_name": name, "to_email": email}
    question = _text(question, "question", "what you are asking them")
    if due <= actor.today:
        raise Refused("The due date must be after today", "days")
    chosen = list(dict.fromkeys(files)) if shares == "account_and_files" else []
    if shares == "account_and_files":
        if not chosen:
            raise Refused("Choose the files they may see", "files")
        unknown = set(chosen) - set(case_files)
        if unknown:
            raise Refused("Choose files of this case", "files")
    ident = new_ident()
    request = InvestigatorRequest(
        ident, actor.name, actor.today, asks, question, due, shares, chosen, **to
    )
    note = json.dumps(request.details(), ensure_ascii=False, separators=(",", ":"))
    return [actor.event(case, "request_sent", value=ident, note=note)]


def _outstanding(case: Case, ident: str) -> InvestigatorRequest:
    found = case.requests.get(ident)
    if found is None:
        raise Refused("There is no such request on this case")
    if not found.outstanding:
        raise Refused("This request has already been answered, revoked or withdrawn")
    return found


def answer(
    case: Case, actor: Actor, ident: str, text: str, files: Iterable[tuple[str, str]] = ()
) -> list[dict]:
    """The answer to an outstanding request: ``request_file_added`` for each ``(file id,
    safe name)`` already stored with the case, then ``request_answered`` with the text. The
    actor is the member of staff answering, or ``link`` for an answer through an emailed link."""
    _outstanding(case, ident)
    files = list(files)
    text = _text(text, "answer", "your answer", required=not files)
    rows = [
        actor.event(case, "request_file_added", value=file_id, note=ident) for file_id, _n in files
    ]
    names = ", ".join(name for _id, name in files)
    note = text + (f"\n\nFiles: {names}" if names else "")
    rows.append(actor.event(case, "request_answered", value=ident, note=note.strip()))
    return rows


def remind(case: Case, actor: Actor, ident: str, which: str) -> list[dict]:
    """The record that a reminder (``before`` or ``overdue``) went."""
    found = _outstanding(case, ident)
    if which not in (BEFORE, OVERDUE):
        raise Refused("No such reminder")
    if which in found.reminders:
        raise Refused("That reminder has already gone")
    return [actor.event(case, "request_reminded", value=ident, note=which)]


def revoke(case: Case, actor: Actor, ident: str) -> list[dict]:
    """Stop the request's link working (sent to the wrong address, say): the request ends."""
    _outstanding(case, ident)
    return [actor.event(case, "request_revoked", value=ident)]


def withdraw(case: Case, actor: Actor, ident: str, reason: str = "") -> list[dict]:
    """The answer is no longer needed: the request ends (and its link stops working)."""
    _outstanding(case, ident)
    reason = _text(reason, "reason", "the reason", required=False)
    return [actor.event(case, "request_withdrawn", value=ident, note=reason)]


# -- reading --------------------------------------------------------------------------------


def outstanding(case: Case) -> list[InvestigatorRequest]:
    """The case's requests still waiting for an answer, soonest due first."""
    waiting = [r for r in case.requests.values() if r.outstanding]
    return sorted(waiting, key=lambda r: (r.due, r.ident))


def outstanding_among(cases: Iterable[Case]) -> list[tuple[Case, InvestigatorRequest]]:
    """Every outstanding request of these cases (open ones), soonest due first."""
    found = [(c, r) for c in cases if c.is_open for r in outstanding(c)]
    return sorted(found, key=lambda pair: (pair[1].due, pair[0].ref))


def due_reminder(request: InvestigatorRequest, today: date, calendar: WorkingCalendar) -> str:
    """Which reminder is due for this request today ("before", "overdue"), or "" for none."""
    if not request.outstanding:
        return ""
    if today > request.due:
        return OVERDUE if OVERDUE not in request.reminders else ""
    if BEFORE in request.reminders or request.asked_on >= today:
        return ""
    if calendar.working_days_between(today, request.due) <= REMIND_BEFORE:
        return BEFORE
    return ""


#: What the person asked may see of the submission when the account is shared.
ACCOUNT_FIELDS = ("details", "outcome_wanted", "service_detail", "happened_on")


def shared_view(
    case: Case, request: InvestigatorRequest, submission: dict, service_name: str
) -> dict:
    """Exactly what the person asked is shown: the request, the person's account of their
    feedback and, when shared, the ids of the files chosen. Never the person's name, contact
    details, or anything else on the case."""
    return {
        "ref": case.ref,
        "asks": ASKS.get(request.asks, request.asks),
        "question": request.question,
        "due": request.due,
        "service": service_name,
        "account": {name: submission.get(name) or "" for name in ACCOUNT_FIELDS},
        "files": list(request.files) if request.shares == "account_and_files" else [],
    }
