"""What the person does from the tracking page: send a message about their case, add files to
it, or ask for its next stage. Each goes through the casework transition (``person_reply``,
``person_add_file``, ``person_escalate``) and ``events.record``, like any change staff make;
the request for a stage is acknowledged through the message outbox, and the case's owner is
told by email when the settings have an ``email:`` section (no personal details travel in it):
an email to staff, queued in the same outbox and sent by the message worker."""

from __future__ import annotations

import copy
import logging
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from forms_app.casework import events
from forms_app.casework.deadlines import stage_due
from forms_app.casework.messaging import Messenger
from forms_app.casework.state import Case
from forms_app.casework.transitions import (
    PERSON,
    Actor,
    Refused,
    person_add_file,
    person_escalate,
    person_reply,
)
from forms_app.messages import smtp as mail
from forms_app.messages.staff_mail import queue_staff_mail
from forms_app.procedures.profiles import Procedure, WorkingCalendar
from forms_app.storage.contract import Contract
from forms_app.storage.store import Store

from .case_view import stage_name

log = logging.getLogger(__name__)
#: The longest message the page takes when the settings say nothing (``tracking:
#: reply_max_length``); never more than the events schema's ``note`` allows.
REPLY_MAX_LENGTH = 5000
#: Characters a message may not hold: control characters other than tab and new lines.
_REFUSED = {chr(n) for n in range(32) if chr(n) not in "\t\n\r"} | {"\x7f"}


def reply_limit(contract: Contract, raw_settings: dict) -> int:
    section = raw_settings.get("tracking") or {}
    wanted = section.get("reply_max_length") if isinstance(section, dict) else None
    schema = contract.field("events", "note").get("constraints", {}).get("maxLength", 10000)
    try:
        wanted = int(wanted) if wanted is not None else REPLY_MAX_LENGTH
    except (TypeError, ValueError):
        wanted = REPLY_MAX_LENGTH
    return max(1, min(wanted, schema))


def text_problem(text: str, limit: int) -> str | None:
    """Why a message cannot be taken ("empty", "bad", "long"), or None."""
    if not text.strip():
        return "empty"
    if any(ch in _REFUSED for ch in text):
        return "bad"
    if len(text) > limit:
        return "long"
    return None


@dataclass
class Done:
    rows: list[dict]
    queued: int = 0


def reply(store: Store, contract: Contract, case: Case, text: str, today: date) -> Done:
    """Store the person's message as a ``person_replied`` event."""
    rows = person_reply(case, Actor(PERSON, today), text.replace("\r\n", "\n"))
    return Done(events.record(store, contract, rows))


def add_files(
    store: Store,
    contract: Contract,
    case: Case,
    files: Sequence[tuple[Mapping[str, str], bytes]],
    today: date,
) -> Done:
    """Store the person's files with their case (each ``(row, bytes)``: an evidence row with
    its scan verdict, added by the person) and a ``person_added_file`` event for each, so staff
    see them on the timeline. The files are stored first: an event never names a file that is
    not there. Raises ``StoreWriteError``, ``OSError`` or ``ValueError`` if they could not be
    stored."""
    if not files:
        return Done([])
    actor = Actor(PERSON, today)
    store.evidence.attach(case.ref, files, contract)
    rows = []
    for row, _data in files:
        rows += person_add_file(case, actor, row["id"], row["name"])
    return Done(events.record(store, contract, rows))


def escalate(
    store: Store,
    contract: Contract,
    case: Case,
    reasons: str,
    *,
    procedure: Procedure,
    calendar: WorkingCalendar,
    owners: Iterable[str],
    messenger: Messenger,
    today: date,
) -> Done:
    """Start the next stage at the person's request, and queue its acknowledgement. Raises
    ``Refused`` when there is no stage to ask for, or the time to ask has ended."""
    rows = person_escalate(
        case,
        Actor(PERSON, today),
        reasons.replace("\r\n", "\n"),
        procedure=procedure,
        calendar=calendar,
        owners=owners,
    )
    stored = events.record(store, contract, rows)
    entered = next((r for r in stored if r["type"] == "stage_entered"), None)
    if entered is None:
        raise Refused("There is no stage to ask for now")
    # A copy: the case index folds the stored rows into its own case when it next refreshes.
    case = copy.deepcopy(case)
    for row in stored:
        case.apply(row)
    queued = 0
    submission = store.find(case.ref)
    if submission is not None:
        stage = procedure.stage(entered["stage"])
        due = stage_due(procedure, calendar, case, case.current, today)
        try:
            queued = messenger.queue(
                messenger.escalation_received(
                    submission,
                    store.find_personal(case.ref),
                    entered,
                    stage_name(stage.name, submission.get("language") or "en"),
                    due.respond_promised or due.acknowledge_promised,
                )
            )
        except (OSError, sqlite3.Error, ValueError, KeyError) as error:
            log.error("tracking: acknowledgement not queued (%s)", type(error).__name__)
    return Done(stored, queued)


def unanswered_replies(case: Case) -> int:
    """The person's messages since a member of staff last did anything on the case."""
    return _since_staff(case, "person_replied")


def unseen_files(case: Case) -> int:
    """The files the person added since a member of staff last did anything on the case."""
    return _since_staff(case, "person_added_file")


def _since_staff(case: Case, event_type: str) -> int:
    count = 0
    for event in reversed(case.events):
        if event["actor"] != PERSON:
            break
        count += event["type"] == event_type
    return count


def alert_owner(
    data_dir: Path,
    raw_settings: dict,
    to: str,
    done: Done,
    link: str,
    what: str,
    sender: str,
) -> bool:
    """Queue an email to the case's owner that the person wrote (``what``: "sent a message",
    "added files" or "asked for the next stage"; ``done``: what was stored, whose first event
    names the cause, so queueing it again for the same one keeps one email). Only the
    reference and a link: no personal details by email. True when it is queued."""
    config = mail.email_settings(raw_settings)
    if config is None or not to or not done.rows:
        return False
    ref = done.rows[0]["ref"]
    body = (
        f"The person who sent case {ref} has {what} on the tracking page.\n\n"
        f"Open the case to read it: {link}\n\n"
        "This email holds no personal details on purpose. Sign in to read them.\n"
    )
    return bool(
        queue_staff_mail(
            data_dir,
            config,
            [to],
            f"Case {ref}: the person has {what}",
            body,
            ref=ref,
            cause=done.rows[0]["event_id"],
            kind="tracking_alert",
            sender=sender,
        )
    )
