"""Emails to staff through the message outbox: the safeguarding lead's alert, a request to an
investigator and its reminders, the shared sheet's alerts. ``queue_staff_mail`` is the one
way they are sent.

Each is written to the outbox at the moment of the action (durably: it survives a crash, and a
mail server that is down then), one message to all its addresses (one email, as before: those
alerted see who else was), and the message worker sends it through the settings' ``email:``
section with its retries and its claim before each send, so it goes exactly once, whichever
provider sends the messages to the public (or none). Its id is made from the case and what
caused it, so queueing it again for the same cause keeps one. A staff email carries no
personal details, by the callers' rule: the reference, what is needed and a link to sign in.
It is not one of the person's messages (the tracking page and subject access leave it out),
and its words are emptied once it is sent.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path

import psycopg

from .outbox import STAFF_MAIL, STAFF_ONLY, Message, Outbox, outbox_path

log = logging.getLogger(__name__)

__all__ = ["STAFF_MAIL", "queue_staff_mail", "recipients", "staff_message", "words"]


#: Between the addresses of one email to staff, in the message's ``recipient``.
SEPARATOR = ", "


def staff_message(
    to: list[str],
    subject: str,
    body: str,
    *,
    ref: str,
    cause: str,
    kind: str = "",
    sender: str = "",
) -> Message | None:
    """The message to these addresses (each once, empty ones dropped), or None without one.
    ``kind`` names what the email is for (``safeguarding_alert``, ``request``), for the audit
    log; ``sender``: the From address when the ``email:`` section names none."""
    addresses = [a for a in dict.fromkeys(a.strip() for a in to) if a]
    if not addresses:
        return None
    return Message(
        id=_message_id(ref, cause),
        ref=ref,
        type=STAFF_MAIL,
        channel="email",
        recipient=SEPARATOR.join(addresses),
        language="en",
        wording="standard",
        values={"subject": subject, "body": body, "kind": kind, "sender": sender},
    )


def queue_staff_mail(
    data_dir: Path,
    email_config: dict | None,
    to: list[str],
    subject: str,
    body: str,
    *,
    ref: str = "",
    cause: str,
    kind: str = "",
    sender: str = "",
) -> int:
    """Queue an email to staff in the outbox of ``data_dir``; returns to how many addresses it
    will go (queued now, or before for the same cause). 0 when email is not set up
    (``email_config`` None), there is no address, or the outbox could not be written: never
    raises, as the change that caused the email is stored already (it is logged instead)."""
    message = staff_message(to, subject, body, ref=ref, cause=cause, kind=kind, sender=sender)
    if email_config is None or message is None:
        return 0
    try:
        with Outbox(outbox_path(data_dir)) as outbox:
            # Marks an outbox this makes as made for staff, so that messages to the public,
            # turned on later, do not reach back to feedback from before (``public_since``).
            outbox.set_first(opened_for=STAFF_ONLY)
            outbox.queue([message])
            return len(recipients(message)) if outbox.known([message.id]) else 0
    except (OSError, sqlite3.Error, psycopg.Error) as error:
        log.error("mail: %s to staff not queued (%s)", kind or "an email", type(error).__name__)
        return 0


def recipients(message: Message) -> list[str]:
    """The addresses of a staff email as queued."""
    return message.recipient.split(SEPARATOR)


def words(message: Message) -> tuple[str, str, str]:
    """(subject, body, sender) of a staff email as queued."""
    values = message.values
    return values.get("subject", ""), values.get("body", ""), values.get("sender", "")


def _message_id(ref: str, cause: str) -> str:
    text = "\0".join((ref, STAFF_MAIL, cause))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
