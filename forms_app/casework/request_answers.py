"""Storing the answer to a request, whoever gives it (a member of staff on their requests page,
or someone answering through an emailed link), and the email that tells the officer.

The files are stored with the case first and the events after, so an event never names a file
that is not there; the files' rows say who added them (``added_by``), the same as staff files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from forms_app.messages.smtp import email_settings
from forms_app.messages.staff_mail import queue_staff_mail
from forms_app.storage.contract import Contract
from forms_app.storage.store import Store

from . import events
from .changes import Actor
from .request_state import ASKS, InvestigatorRequest
from .requests import answer
from .state import Case


def record_answer(
    store: Store,
    contract: Contract,
    case: Case,
    actor: Actor,
    ident: str,
    text: str,
    files: Sequence[tuple[Mapping[str, str], bytes]] = (),
) -> list[dict]:
    """Check the answer (``requests.answer`` raises ``Refused``), store its files (each
    ``(evidence row, bytes)``) and then its events. Raises ``StoreWriteError``, ``OSError`` or
    ``ValueError`` when they could not be stored."""
    rows = answer(case, actor, ident, text, [(row["id"], row["name"]) for row, _data in files])
    if files:
        store.evidence.attach(case.ref, files, contract)
    return events.record(store, contract, rows)


def answered_alert(ref: str, request: InvestigatorRequest, who: str, link: str) -> tuple[str, str]:
    """(subject, body) of the email telling the officer an answer came. Only the reference,
    who answered and where to read it: no personal details by email."""
    asked = ASKS.get(request.asks, request.asks).lower()
    subject = f"Case {ref}: {who} has answered your request"
    body = (
        f"{who} has sent {asked} for case {ref}.\n\n"
        f"Open the case to read it: {link}\n\n"
        "This email holds no personal details on purpose. Sign in to read them.\n"
    )
    return subject, body


def queue_answered_alert(
    settings, case: Case, request: InvestigatorRequest, who: str, accounts, link: str
) -> int:
    """Queue the email telling whoever asked, and the case's owner (``accounts``, either may be
    None), that ``who`` answered ``request`` (the message worker sends it); how many were
    queued. Queued again for the same answer, it is still one email."""
    to = [a.email for a in accounts if a is not None and a.email]
    subject, body = answered_alert(case.ref, request, who, link)
    return queue_staff_mail(
        settings.data_dir,
        email_settings(settings.raw),
        to,
        subject,
        body,
        ref=case.ref,
        cause=f"{request.ident}:answered",
        kind="request_answered",
        sender=settings.contact.get("email", ""),
    )
