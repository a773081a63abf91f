"""Messages to the person on the staff pages: each case's emails, texts and letters with their
state (a section of the case page); the failed messages for managers, who can send one again
once its cause is fixed; and the letters to post, when messages go by SMTP (it has no letter
service): each printed as a PDF from the outbox and marked as posted by hand, which marks it
sent and empties the tracking secret an acknowledgement letter carries."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, g, redirect, request, url_for

from forms_app.language.welsh import long_date
from forms_app.letters import catalogue
from forms_app.letters.document import page
from forms_app.letters.pdf import PdfError, html_to_pdf
from forms_app.messages import wording
from forms_app.messages.outbox import TO_POST, Message, Outbox
from forms_app.web.parts import parts as _parts

from . import blueprint
from .access import can_see
from .auth import need
from .context import audit_log, confidential, index, render, user, visible_case

log = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
TYPES = {
    "acknowledgement": "Acknowledgement of their feedback",
    "acknowledged": "Started on it",
    "assigned": "Someone is looking into it",
    "extended": "New date for the response",
    "paused": "Work on hold",
    "responded": "Response sent",
    "closed": "Case closed",
    "tracking_code": "Tracking page code",
    "escalation_received": "Request for the next stage received",
    "emailed_letter": "A letter, by email",
    "request_link": "Link to answer a request (to an investigating manager)",
    "staff_mail": "Email to staff (an alert, a request or a reminder)",
}
STATES = {
    "queued": ("Waiting to send", "govuk-tag--grey"),
    "sending": ("Sending", "govuk-tag--blue"),
    "sent": ("Sent", "govuk-tag--green"),
    "failed": ("Failed", "govuk-tag--red"),
    "to_post": ("To print and post", "govuk-tag--yellow"),
}
CHANNELS = {"email": "Email", "sms": "Text message", "letter": "Letter"}


def _when(seconds: float | None) -> str:
    if not seconds:
        return ""
    return datetime.fromtimestamp(seconds, UTC).astimezone(LONDON).strftime("%-d %b %Y %H:%M")


def rows_for(messages) -> list[dict]:
    return [
        {
            "id": m.id,
            "ref": m.ref,
            "what": TYPES.get(m.type, m.type),
            "channel": CHANNELS.get(m.channel, m.channel),
            "state": STATES[m.state][0],
            "tag": STATES[m.state][1],
            "queued": _when(m.queued_at),
            "sent": _when(m.sent_at),
            "reason": m.reason if m.state in ("failed", "queued", "sending") else "",
            "language": "Welsh" if m.language == "cy" else "English",
        }
        for m in messages
    ]


def case_messages(ref: str) -> list[dict] | None:
    """The case's messages to the person, newest first, for the case page; None when the
    outbox cannot be read just now (a full disk stops SQLite opening it): the rest of the
    case page is still shown, as its view has been logged."""
    path = _parts().messenger.path
    if not path.exists():
        return []
    try:
        with Outbox(path) as outbox:
            return list(reversed(rows_for(outbox.for_refs([ref]))))
    except (sqlite3.Error, OSError) as error:
        log.warning("messages of %s not read: %s", ref, type(error).__name__)
        return None


@blueprint.route("/messages/failed", methods=["GET", "POST"])
@need("manager")
def failed_messages():
    path = _parts().messenger.path
    if request.method == "POST":
        message_id = request.form.get("message", "")
        with Outbox(path) as outbox:
            if not outbox.send_again(message_id, datetime.now(UTC).timestamp()):
                abort(404)
        # The message id is not recorded: a random id can look like a phone number to the log.
        audit_log("messages.send_again", detail="one message")
        flash("The message will be sent again.")
        return redirect(url_for("staff.failed_messages"))
    rows = []
    if path.exists():
        with Outbox(path) as outbox:
            rows = rows_for(outbox.failed())
    audit_log("messages.failed_view", detail=f"{len(rows)} messages")
    return render("staff/messages_failed.html", title="Messages not sent", rows=rows)


# -- letters to post by hand ------------------------------------------------------------------


def _letter(outbox: Outbox, message_id: str) -> Message:
    """A letter of a case this member of staff may open; 404 otherwise, as if it did not
    exist (a letter holds the person's name and address)."""
    message = outbox.one(message_id)
    if message is None or message.channel != "letter":
        abort(404)
    visible_case(message.ref)
    return message


def _may_open(ref: str) -> bool:
    case = index().get(ref)
    return case is not None and can_see(user(), case, confidential())


def letter_page(message: Message) -> str:
    """The letter as a printable page: the letterhead, the address, the date it was queued,
    the reference, then its heading and words in the person's language and wording."""
    settings = _parts().settings
    organisation = settings.localised("organisation", message.language)
    contact = settings.localised("contact", message.language)
    values = wording.completed(message.type, message.values)
    subject, body = wording.render(
        message.type, message.language, message.wording, "letter", values
    )
    queued = datetime.fromtimestamp(message.queued_at, UTC).astimezone(LONDON).date()
    meta = {
        "language": message.language,
        "ref": message.ref,
        "date": long_date(queued, message.language),
        "address": message.recipient.splitlines(),
        "org": {
            "name": organisation.get("name", ""),
            "phone": contact.get("phone", ""),
            "email": contact.get("email", ""),
            "address": contact.get("address", ""),
        },
    }
    return page(f"## {subject}\n\n{body}", meta, inline_css=_letter_css())


def _letter_css() -> str:
    path = catalogue.letters_dir(_parts().settings.raw) / "letter.css"
    return path.read_text("utf-8") if path.exists() else ""


@blueprint.route("/messages/to-post", methods=["GET", "POST"])
@need("officer", "manager")
def letters_to_post():
    path = _parts().messenger.path
    if request.method == "POST":
        message_id = request.form.get("message", "")
        with Outbox(path) as outbox:
            message = _letter(outbox, message_id)
            posted = outbox.mark_posted(
                message_id, datetime.now(UTC).timestamp(), g.staff_user.username
            )
        if posted:
            audit_log("messages.posted", ref=message.ref, detail=message.type)
            flash(f"The letter for {message.ref} is marked as posted.")
        else:
            flash(f"The letter for {message.ref} had already been marked as posted.")
        return redirect(url_for("staff.letters_to_post"))
    rows = []
    if path.exists():
        with Outbox(path) as outbox:
            rows = rows_for([m for m in outbox.to_post() if _may_open(m.ref)])
    audit_log("messages.to_post_view", detail=f"{len(rows)} letters")
    return render("staff/messages_to_post.html", title="Letters to post", rows=rows)


@blueprint.route("/messages/to-post/<letter_id>.pdf")
@need("officer", "manager")
def letter_to_post_pdf(letter_id):
    path = _parts().messenger.path
    if not path.exists():
        abort(404)
    with Outbox(path) as outbox:
        message = _letter(outbox, letter_id)
    if message.state != TO_POST:
        # Posted already: its tracking secret has gone, so it is not printed again.
        abort(404)
    try:
        pdf = html_to_pdf(letter_page(message))
    except PdfError:
        abort(503)
    audit_log(
        "messages.letter_pdf", ref=message.ref, fields=["name", "address"], detail=message.type
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{message.ref}-{message.type}.pdf"',
            "Cache-Control": "no-store",
        },
    )
