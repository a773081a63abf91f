"""Messages to the person on the staff pages: each case's emails and texts with their state
(a section of the case page), and the failed messages for managers, who can send one again
once its cause is fixed."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, request, url_for

from forms_app.messages.outbox import Outbox
from forms_app.web.parts import parts as _parts

from . import blueprint
from .auth import need
from .context import audit_log, render

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
}
STATES = {
    "queued": ("Waiting to send", "govuk-tag--grey"),
    "sending": ("Sending", "govuk-tag--blue"),
    "sent": ("Sent", "govuk-tag--green"),
    "failed": ("Failed", "govuk-tag--red"),
}
CHANNELS = {"email": "Email", "sms": "Text message"}


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
        audit_log("messages.send_again", detail=message_id)
        flash("The message will be sent again.")
        return redirect(url_for("staff.failed_messages"))
    rows = []
    if path.exists():
        with Outbox(path) as outbox:
            rows = rows_for(outbox.failed())
    audit_log("messages.failed_view", detail=f"{len(rows)} messages")
    return render("staff/messages_failed.html", title="Messages not sent", rows=rows)
