"""What the person is told, and when: the acknowledgement of their feedback and the updates
that follow staff changes, put in the message outbox (``forms_app.messages``).

A message goes only to someone who gave an email address, a mobile number or a postal address
*and* chose that way to be contacted, in the language and wording they used; by post it is a
letter (sent through GOV.UK Notify, or printed and posted by staff when messages go by SMTP).
Each message's id is made from what caused it (the reference and the submission, or the
event's id), so queueing it twice keeps one: the submission path and ``events.record`` queue
at once, and ``Sweep`` (run by the message worker) queues anything those missed, such as after
a crash between the two writes.

The messenger of a data directory is registered once by whoever builds the app's parts
(``install``); ``events.record`` finds it by the store's data directory, so the staff pages,
the shared sheet and the command line all queue the same messages for the same change.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

from forms_app.language.welsh import localise, long_date
from forms_app.messages import wording
from forms_app.messages.config import MessagesConfig, messages_config
from forms_app.messages.outbox import Message, Outbox, outbox_path
from forms_app.organisation.settings import Settings
from forms_app.procedures.choice import calendar_for, procedure_for_case
from forms_app.procedures.profiles import Procedure, WorkingCalendar
from forms_app.storage.store import Store

from .transitions import TELLS_THE_PERSON, tells_the_person

log = logging.getLogger(__name__)
#: How far back the sweep looks for feedback or changes with no message queued.
SWEEP_WINDOW = timedelta(days=2)
#: A UK mobile number (spaces, dashes and brackets are ignored).
MOBILE = re.compile(r"^(?:\+44|0044|0)7\d{9}$")
#: GOV.UK Notify posts to at most 7 address lines, and at least 3.
MOST_LINES, FEWEST_LINES = 7, 3
#: Characters Notify's printer refuses at the start of an address line.
NOT_FIRST = '@()=[]"\u201d\\/,<>'
_installed: dict[Path, Messenger] = {}


def message_id(ref: str, message_type: str, cause: str, channel: str) -> str:
    """The message's id and idempotency key, the same each time for the same cause."""
    text = "\0".join((ref, message_type, cause, channel))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def contact(personal: dict | None) -> tuple[str, str] | None:
    """(channel, address) the person chose to be contacted by: ``email``, ``sms`` (a mobile)
    or ``letter`` (their postal address, one line per line); None when they chose none of
    these or did not give that address."""
    if not personal:
        return None
    chosen = personal.get("preferred_contact", "")
    email = (personal.get("email") or "").strip()
    phone = re.sub(r"[\s()\-]", "", personal.get("phone") or "")
    if chosen == "email" and email:
        return "email", email
    if chosen == "phone" and MOBILE.match(phone):
        return "sms", phone
    if chosen == "post":
        address = postal_address(personal)
        return ("letter", address) if address else None
    return None


def postal_address(personal: dict) -> str | None:
    """The lines a letter is addressed to: the name, the address as typed (a line of commas
    is split when there would be fewer than three lines) and the postcode, at most seven
    lines (the extra middle lines joined); None without an address."""
    typed = [line.strip() for line in (personal.get("address") or "").splitlines()]
    typed = [line for line in typed if line]
    if not typed:
        return None
    name = (personal.get("name") or "").strip()
    postcode = _postcode(personal.get("postcode") or "")
    if postcode and _postcode(typed[-1]) == postcode:
        typed[-1] = postcode
        postcode = ""
    lines = ([name] if name else []) + typed + ([postcode] if postcode else [])
    if len(lines) < FEWEST_LINES:
        lines = [part.strip() for line in lines for part in line.split(",") if part.strip()]
    while len(lines) > MOST_LINES:
        lines[-3:-1] = [f"{lines[-3]}, {lines[-2]}"]
    lines = [line.lstrip(NOT_FIRST).strip() or line for line in lines]
    return "\n".join(lines)


def _postcode(text: str) -> str:
    """A UK postcode in its usual form (``CF10 1AA``), or the text as it was."""
    squeezed = re.sub(r"\s+", "", text).upper()
    if re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", squeezed):
        return f"{squeezed[:-3]} {squeezed[-3:]}"
    return text.strip()


class _Submitted:
    """A submission row seen as the case it starts (its service and procedure)."""

    def __init__(self, row: dict):
        self.service = row.get("service") or ""
        self.procedure = row.get("procedure") or ""


@dataclass
class Messenger:
    data_dir: Path
    settings: Settings
    procedure: Procedure
    calendar: WorkingCalendar
    config: MessagesConfig = field(init=False)
    #: The sentence offering a questionnaire in the "closed" message, with its link, in the
    #: person's language and wording ("" for none), given by whoever builds the app's parts.
    survey: Callable[[dict], str] | None = None

    def __post_init__(self):
        self.config = messages_config(self.settings.raw)
        if self.config.enabled:
            # Recorded now, when messages were turned on: the sweep never acknowledges
            # feedback from before (``Outbox.public_since``).
            with Outbox(self.path) as outbox:
                outbox.public_since(datetime.now(UTC).timestamp())

    @property
    def path(self) -> Path:
        return outbox_path(self.data_dir)

    # -- what to say --------------------------------------------------------------------------

    def _base(self, submission: dict, personal: dict | None):
        """(channel, recipient, language, wording, common values), or None: not told."""
        reached = contact(personal)
        if reached is None or not self.config.enabled:
            return None
        language = submission.get("language") or "en"
        language = language if language in wording.LANGUAGES else "en"
        words = submission.get("variant") or "standard"
        words = words if words in wording.VARIANTS else "standard"
        organisation = localise(self.settings.organisation, language)
        values = {"reference": submission["ref"], "org_name": organisation.get("name", "")}
        return reached[0], reached[1], language, words, values

    def _next_steps(self, submission: dict, language: str, words: str, due: date | None) -> str:
        snippet = wording.snippets(language, words)
        if due is None:
            return snippet["next_steps_none"]
        return wording.fill(snippet["next_steps_promised"], {"hear_by": long_date(due, language)})

    def _hear_by(self, submission: dict) -> date | None:
        received = datetime.fromisoformat(submission["received"])
        try:
            # The submission's own procedure: its service's, which may not be the default.
            procedure = procedure_for_case(self.settings, _Submitted(submission))
            calendar = calendar_for(procedure, self.calendar)
            dates = procedure.hear_back_by(submission["kind"], received, calendar)
        except KeyError:
            return None
        return dates.get("respond") or dates.get("acknowledge")

    def acknowledgement(
        self, submission: dict, personal: dict | None, tracking_secret: str = ""
    ) -> list[Message]:
        """The acknowledgement of feedback sent online, or [] when the person is not told.

        It says how to follow the case on the tracking page. By email or text the page sends
        a one-time code to that address; a letter cannot carry a code in time, so it carries
        the case's tracking secret instead: the *same* secret the confirmation page shows once
        (one secret per case, so there is one thing to keep and nothing else to revoke). Only
        its keyed hash is stored, so the plain secret exists only when the feedback is sent:
        the submission passes it here, and the outbox empties it once the letter is sent or
        posted. An acknowledgement queued later (the sweep, after a crash) has no secret to
        give, and its letter asks the person to contact the organisation instead."""
        base = self._base(submission, personal)
        if base is None or submission.get("channel") != "online":
            return []
        channel, recipient, language, words, values = base
        snippet = wording.snippets(language, words)
        values["next_steps"] = self._next_steps(
            submission, language, words, self._hear_by(submission)
        )
        values["tracking"] = self._tracking(channel, language, words, tracking_secret)
        values["advocacy"] = self._advocacy(submission, language, words)
        if channel == "email":
            values["copy"] = _copy(snippet["copy_heading"], submission)
        return [
            _message(
                submission,
                "acknowledgement",
                "submission",
                base=(channel, recipient, language, words, values),
            )
        ]

    def _tracking(self, channel: str, language: str, words: str, secret: str) -> str:
        """How to follow the case: the tracking page's address in the person's language and
        wording, and in a letter the tracking secret (see ``acknowledgement``)."""
        snippet = wording.snippets(language, words)
        # The public pages' prefixes: /cy for Welsh, then the wording unless it is standard.
        parts = ([] if language == "en" else [language]) + ([] if words == "standard" else [words])
        url = self.settings.form_url + "".join(f"/{part}" for part in parts) + "/track"
        if channel == "letter":
            key = "track_letter" if secret else "track_letter_no_secret"
        else:
            key = f"track_{channel}"
        return wording.fill(snippet[key], {"track_url": url, "tracking_secret": secret})

    def _advocacy(self, submission: dict, language: str, words: str) -> str:
        advocacy = localise(self.settings.advocacy or {}, language)
        if (
            submission.get("kind") not in self.config.advocacy_kinds
            or submission.get("advocate") == "already_have"
            or not advocacy.get("name")
        ):
            return ""
        young = words == "young-people" and advocacy.get("young_people_name")
        return wording.fill(
            wording.snippets(language, words)["advocacy"],
            {
                "advocacy_name": advocacy["young_people_name"] if young else advocacy["name"],
                "advocacy_phone": (
                    advocacy.get("young_people_phone") if young else advocacy.get("phone")
                )
                or "",
            },
        )

    def update(self, submission: dict, personal: dict | None, row: dict) -> list[Message]:
        """The update an event tells the person about, or []."""
        message_type = tells_the_person(row)
        base = self._base(submission, personal)
        if message_type is None or base is None or submission.get("channel") == "import":
            return []
        channel, recipient, language, words, values = base
        if message_type == "acknowledged":
            values["next_steps"] = self._next_steps(
                submission, language, words, self._hear_by(submission)
            )
        elif message_type == "extended":
            values["new_date"] = long_date(date.fromisoformat(row["value"]), language)
            values["reason"] = row.get("note") or "-"
        elif message_type == "paused":
            values["reason"] = row.get("note") or "-"
        elif message_type == "closed":
            values["survey"] = self.survey(submission) if self.survey is not None else ""
        return [
            _message(
                submission,
                message_type,
                row["event_id"],
                base=(channel, recipient, language, words, values),
            )
        ]

    # -- the tracking page -------------------------------------------------------------------

    def tracking_code(
        self, submission: dict, personal: dict | None, code: str, minutes: int
    ) -> list[Message]:
        """The one-time code of the tracking page, to the contact the person chose, else to any
        email address or mobile number they gave (they asked for it); [] when there is none.
        Never by post: a code lasts minutes."""
        reached = contact(personal)
        if reached is None or reached[0] == "letter":
            reached = reachable(personal)
        if reached is None or not self.config.enabled:
            return []
        base = self._base(submission, {**(personal or {}), **_chosen(reached)})
        channel, recipient, language, words, values = base
        values.update(code=code, minutes=str(minutes))
        # A new id for every code: each is a new message, never one sent again.
        return [
            _message(
                submission,
                "tracking_code",
                secrets.token_hex(8),
                base=(channel, recipient, language, words, values),
            )
        ]

    def escalation_received(
        self, submission: dict, personal: dict | None, row: dict, stage_name: str, due: date | None
    ) -> list[Message]:
        """The acknowledgement of the person's request for the next stage (``row``: the
        ``stage_entered`` event), or [] when they are not told."""
        base = self._base(submission, personal)
        if base is None:
            return []
        channel, recipient, language, words, values = base
        values["stage_name"] = stage_name
        values["next_steps"] = self._next_steps(submission, language, words, due)
        return [
            _message(
                submission,
                "escalation_received",
                row["event_id"],
                base=(channel, recipient, language, words, values),
            )
        ]

    # -- a letter by email -------------------------------------------------------------------

    def letter_email_to(self, submission: dict, personal: dict | None) -> str:
        """The address a produced letter may be emailed to: the person's, when they chose to be
        contacted by email and messages to the public are sent; else "" (the letter is posted)."""
        base = self._base(submission, personal)
        return base[1] if base is not None and base[0] == "email" else ""

    def emailed_letter(
        self,
        submission: dict,
        personal: dict | None,
        *,
        cause: str,
        title: str,
        text: str,
        language: str,
    ) -> list[Message]:
        """A produced letter emailed to the person (``text``: the letter as plain text, in
        ``language``, the letter's own, which staff may have chosen), or [] when it may not be
        emailed (``letter_email_to``). ``cause`` names the letter and which sending of it this
        is, so queueing the same sending again keeps one."""
        base = self._base(submission, personal)
        if base is None or base[0] != "email":
            return []
        _channel, recipient, own, words, values = base
        language = language if language in wording.LANGUAGES else own
        organisation = localise(self.settings.organisation, language)
        values.update(org_name=organisation.get("name", ""), title=title, letter=text)
        base = ("email", recipient, language, words, values)
        return [_message(submission, "emailed_letter", cause, base=base)]

    def queue_emailed_letter(self, store: Store, ref: str, personal: dict | None, **letter) -> str:
        """Queue a produced letter to the person by email (``letter``: ``emailed_letter``'s
        values); the message's id when it is in the outbox (queued now, or before for the same
        cause), "" when it may not be emailed or the outbox could not be written (logged)."""
        submission = store.find(ref)
        messages = self.emailed_letter(submission, personal, **letter) if submission else []
        if not messages:
            return ""
        try:
            with Outbox(self.path) as outbox:
                outbox.queue(messages)
                return messages[0].id if outbox.known([messages[0].id]) else ""
        except (OSError, sqlite3.Error, psycopg.Error) as error:
            log.error("messages: a letter by email not queued (%s)", type(error).__name__)
            return ""

    def states(self, ids: list[str]) -> dict[str, str]:
        """The outbox state of each of these messages it holds (``queued``, ``sent``...)."""
        if not ids:
            return {}
        with Outbox(self.path) as outbox:
            found = (outbox.one(message_id) for message_id in ids)
            return {m.id: m.state for m in found if m is not None}

    # -- queueing ---------------------------------------------------------------------------

    def queue(self, messages: list[Message]) -> int:
        if not messages:
            return 0
        with Outbox(self.path) as outbox:
            return outbox.queue(messages)

    def queue_acknowledgement(self, store: Store, ref: str, tracking_secret: str = "") -> int:
        """Queue the acknowledgement of a stored submission (idempotent: queued again, the
        first one stays, with its secret). ``tracking_secret``: the case's plain tracking
        secret, for a letter (see ``acknowledgement``)."""
        submission = store.find(ref)
        if submission is None:
            return 0
        personal = store.find_personal(ref)
        return self.queue(self.acknowledgement(submission, personal, tracking_secret))

    def queue_updates(self, store: Store, rows: list[dict]) -> int:
        messages: list[Message] = []
        for row in rows:
            if row.get("type") not in TELLS_THE_PERSON:
                continue
            submission = store.find(row["ref"])
            if submission is not None:
                messages += self.update(submission, store.find_personal(row["ref"]), row)
        return self.queue(messages)


def reachable(personal: dict | None) -> tuple[str, str] | None:
    """(channel, address): an email address, else a mobile number, the person gave, whatever
    way they chose to be contacted."""
    if not personal:
        return None
    if (personal.get("email") or "").strip():
        return "email", personal["email"].strip()
    phone = re.sub(r"[\s()\-]", "", personal.get("phone") or "")
    return ("sms", phone) if MOBILE.match(phone) else None


def _chosen(reached: tuple[str, str]) -> dict:
    """Personal details that choose ``reached`` as the way to be contacted."""
    channel, address = reached
    if channel == "email":
        return {"preferred_contact": "email", "email": address}
    return {"preferred_contact": "phone", "phone": address}


def _copy(heading: str, submission: dict) -> str:
    written = [
        submission.get(name, "").strip()
        for name in ("details", "outcome_wanted", "thank_who")
        if submission.get(name, "").strip()
    ]
    return heading + "\n\n" + "\n\n".join(written) if written else ""


# -- finding the messenger ------------------------------------------------------------------------


def install(messenger: Messenger) -> None:
    """Make ``messenger`` the one ``events.record`` uses for its data directory."""
    _installed[Path(messenger.data_dir).resolve()] = messenger


def installed(data_dir: Path) -> Messenger | None:
    return _installed.get(Path(data_dir).resolve())


def after_recorded(store: Store, rows: list[dict]) -> None:
    """Queue the updates these stored events tell the person about. Never raises: the change
    is stored already, and the message worker's sweep queues whatever this missed."""
    messenger = installed(store.data_dir)
    if messenger is None or not any(r.get("type") in TELLS_THE_PERSON for r in rows):
        return
    try:
        messenger.queue_updates(store, rows)
    except (OSError, sqlite3.Error, ValueError, KeyError) as error:
        log.error("messages: could not queue an update (%s); the sweep will", type(error).__name__)


class Sweep:
    """Queues the acknowledgements and updates the normal path missed, reading the store's new
    rows each step. Looks back at most ``SWEEP_WINDOW``, and never before messages to the public
    were turned on (``Outbox.public_since``): feedback from before is not acknowledged out of the
    blue."""

    def __init__(self, messenger: Messenger, store: Store, clock_now=None):
        self.messenger = messenger
        self.store = store
        self.cursor = None
        self.quarantined: set[str] = set()
        self.now = clock_now or (lambda: datetime.now(UTC).timestamp())

    def __call__(self) -> int:
        changes = self.store.changes_since(self.cursor)
        self.cursor = changes.cursor
        with Outbox(self.messenger.path) as outbox:
            # Times in the tables are to the second: a minute's slack keeps feedback sent in
            # the second messages were turned on.
            turned_on = outbox.public_since(self.now()) - 60
            since = max(turned_on, self.now() - SWEEP_WINDOW.total_seconds())
            events = changes.rows.get("events", [])
            self.quarantined |= {
                e["ref"] for e in events if e["type"] == "flag_set" and e["value"] == "quarantine"
            }
            wanted: list[Message] = []
            for row in changes.rows.get("submissions", []):
                if row["ref"] in self.quarantined or _when(row["received"]) < since:
                    continue
                wanted += self.messenger.acknowledgement(row, self.store.find_personal(row["ref"]))
            recent = [e for e in events if _when(e["at"]) >= since]
            for row in recent:
                if row["type"] in TELLS_THE_PERSON and row["ref"] not in self.quarantined:
                    submission = self.store.find(row["ref"])
                    if submission is not None:
                        personal = self.store.find_personal(row["ref"])
                        wanted += self.messenger.update(submission, personal, row)
            known = outbox.known([m.id for m in wanted])
            missing = [m for m in wanted if m.id not in known]
            if missing:
                log.warning("messages: the sweep queued %d message(s) missed", len(missing))
            return outbox.queue(missing)


def _when(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _message(submission: dict, message_type: str, cause: str, *, base: tuple) -> Message:
    """One message about ``submission``; its id comes from what caused it (the submission, an
    event, a code asked for), so whoever queues it again queues the same message."""
    channel, recipient, language, words, values = base
    return Message(
        id=message_id(submission["ref"], message_type, cause, channel),
        ref=submission["ref"],
        type=message_type,
        channel=channel,
        recipient=recipient,
        language=language,
        wording=words,
        values=values,
    )
