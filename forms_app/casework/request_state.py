"""Requests to investigators as the case's events make them: who was asked, for what, by when,
what they may see, and whether they have answered. ``HANDLERS`` folds the ``request_*`` events
into ``Case.requests`` (``state.Case.apply`` looks them up with the case's other events).

The details of a request travel in its ``request_sent`` event's note as JSON (one event holds
the whole request, so it is written whole or not at all); every later event names the request
by its identifier in ``value``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

OUTSTANDING, ANSWERED, REVOKED, WITHDRAWN = "outstanding", "answered", "revoked", "withdrawn"
#: What the officer may ask for, as staff read it.
ASKS = {
    "statement": "A statement",
    "information": "Information",
    "draft_response": "A draft response",
}
#: What the person asked may see.
SHARES = {
    "account": "The person's account of their feedback only",
    "account_and_files": "The person's account and the files chosen",
}
#: Reminders: a working-days-before one, and one once the request is overdue.
BEFORE, OVERDUE = "before", "overdue"


@dataclass(slots=True)
class InvestigatorRequest:
    """One request to a named person for a statement, information or a draft response."""

    ident: str
    asked_by: str
    asked_on: date
    asks: str
    question: str
    due: date
    shares: str
    files: list[str] = field(default_factory=list)
    to_user: str = ""  # a staff account's username, or "" for someone without an account
    to_name: str = ""
    to_email: str = ""
    status: str = OUTSTANDING
    answer: str = ""
    answered_by: str = ""
    answered_on: date | None = None
    answer_files: list[str] = field(default_factory=list)
    reminders: list[str] = field(default_factory=list)

    @property
    def outstanding(self) -> bool:
        return self.status == OUTSTANDING

    @property
    def by_link(self) -> bool:
        """Answered through an emailed link (the person asked has no staff account)."""
        return not self.to_user

    def overdue(self, today: date) -> bool:
        return self.outstanding and today > self.due

    def details(self) -> dict:
        """The note of the ``request_sent`` event that makes this request."""
        return {
            "asks": self.asks,
            "question": self.question,
            "due": self.due.isoformat(),
            "shares": self.shares,
            "files": list(self.files),
            "to_user": self.to_user,
            "to_name": self.to_name,
            "to_email": self.to_email,
        }


def question_of(note: str) -> str:
    """The question of a ``request_sent`` event's note (its JSON), or "" if damaged."""
    try:
        return str(json.loads(note or "{}").get("question") or "")
    except (ValueError, AttributeError):
        return ""


def _day(at: str) -> date:
    return date.fromisoformat(at[:10])


def _sent(case, event: dict) -> None:
    try:
        details = json.loads(event.get("note") or "{}")
        due = date.fromisoformat(details["due"])
    except (ValueError, KeyError, TypeError):
        return  # a damaged row is kept on the timeline and otherwise ignored
    case.requests[event["value"]] = InvestigatorRequest(
        ident=event["value"],
        asked_by=event["actor"],
        asked_on=_day(event["at"]),
        asks=str(details.get("asks") or ""),
        question=str(details.get("question") or ""),
        due=due,
        shares=str(details.get("shares") or "account"),
        files=[str(f) for f in details.get("files") or []],
        to_user=str(details.get("to_user") or ""),
        to_name=str(details.get("to_name") or ""),
        to_email=str(details.get("to_email") or ""),
    )


def _answered(case, event: dict) -> None:
    found = case.requests.get(event["value"])
    if found is not None and found.outstanding:
        found.status = ANSWERED
        found.answer = event.get("note") or ""
        found.answered_by = event["actor"]
        found.answered_on = _day(event["at"])


def _file_added(case, event: dict) -> None:
    # value: the file's id in the evidence table; note: the request it answers.
    found = case.requests.get(event.get("note") or "")
    if found is not None:
        found.answer_files.append(event["value"])


def _reminded(case, event: dict) -> None:
    found = case.requests.get(event["value"])
    if found is not None and event.get("note") not in found.reminders:
        found.reminders.append(event.get("note") or "")


def _closed_as(status: str):
    def fold(case, event: dict) -> None:
        found = case.requests.get(event["value"])
        if found is not None and found.outstanding:
            found.status = status

    return fold


#: Event type -> how it changes ``case.requests``.
HANDLERS = {
    "request_sent": _sent,
    "request_answered": _answered,
    "request_file_added": _file_added,
    "request_reminded": _reminded,
    "request_revoked": _closed_as(REVOKED),
    "request_withdrawn": _closed_as(WITHDRAWN),
}
