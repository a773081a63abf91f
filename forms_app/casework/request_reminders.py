"""Reminding the people asked: each outstanding request gets one reminder when its due date
is near and one once it is overdue (``requests.due_reminder`` says which is due), each sent at
most once however often the morning job runs.

A reminder is claimed in the links file's ledger under its message id (the request and which
reminder) before it is queued, and then recorded as a ``request_reminded`` event, so staff see
it on the timeline. A run cut short between the two records the event on the next run without
sending again. The email is queued in the message outbox (``send``: the morning job hands in
``messages.staff_mail.queue_staff_mail``), so a mail server that is down delays it rather than
losing it; the message worker sends it once. No personal details travel by email: the
reference, what is asked and the date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from forms_app.storage.contract import Contract
from forms_app.storage.store import Store

from . import events
from .changes import Actor, Refused
from .index import CaseIndex
from .request_links import Links
from .request_state import ASKS, BEFORE, InvestigatorRequest
from .requests import due_reminder, remind

#: ``send(to, subject, body, ref=..., cause=...) -> bool``: True when the email is queued to
#: send (``cause`` names the reminder, so queueing it again keeps one).
Send = Callable[..., bool]


@dataclass
class Reminded:
    #: Reminders queued to send (the message worker sends them).
    sent: int = 0
    recorded: int = 0
    no_address: int = 0


def message_id(request: InvestigatorRequest, which: str) -> str:
    return f"{request.ident}:{which}"


def reminder_text(
    ref: str, request: InvestigatorRequest, which: str, where: str
) -> tuple[str, str]:
    """(subject, body) of one reminder. ``where``: how to answer (the staff page's address, or
    a pointer to the emailed link, which is never kept and so never sent again)."""
    asked = ASKS.get(request.asks, request.asks).lower()
    due = request.due.strftime("%-d %B %Y")
    if which == BEFORE:
        subject = f"Reminder: {asked} for case {ref} is due by {due}"
        opening = f"This is a reminder that {asked} for case {ref} is due by {due}."
    else:
        subject = f"Overdue: {asked} for case {ref} was due on {due}"
        opening = f"{asked[0].upper()}{asked[1:]} for case {ref} was due on {due} and has not come."
    body = f"{opening}\n\n{where}\n\nThis email holds no personal details on purpose.\n"
    return subject, body


def send_reminders(
    index: CaseIndex,
    store: Store,
    contract: Contract,
    links: Links,
    send: Send,
    *,
    emails: dict[str, str],
    staff_link: str,
    today: date,
) -> Reminded:
    """Queue every reminder due ``today``; ``emails``: staff accounts' addresses by username."""
    done = Reminded()
    for case in index.open_cases():
        if not case.requests:
            continue
        calendar = index.calendar_for(index.procedure_for(case.procedure))
        for request in list(case.requests.values()):
            which = due_reminder(request, today, calendar)
            if not which:
                continue
            to = emails.get(request.to_user, "") if request.to_user else request.to_email
            if not to:
                done.no_address += 1
                continue
            if links.claim_reminder(message_id(request, which), case.ref):
                where = (
                    f"Answer from your requests page: {staff_link}"
                    if request.to_user
                    else "Answer through the link in the email that asked you. If you cannot "
                    "find it, reply to the officer who asked and they will send a new one."
                )
                subject, body = reminder_text(case.ref, request, which, where)
                done.sent += bool(
                    send([to], subject, body, ref=case.ref, cause=message_id(request, which))
                )
            try:
                rows = remind(case, Actor("system", today), request.ident, which)
            except Refused:
                continue
            events.record(store, contract, rows)
            done.recorded += 1
    return done
