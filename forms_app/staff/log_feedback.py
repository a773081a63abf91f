"""Logging feedback received by phone, letter, email or in person, on the person's behalf.

The submission is stored exactly as an online one would be (same schema, same durable commit,
an idempotency key issued with the form so a double click makes one record), with its channel;
a note event records which staff member logged it."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from flask import flash, redirect, request, url_for

from forms_app.casework.events import event, record
from forms_app.casework.state import CHANNELS
from forms_app.web.parts import parts

from . import blueprint, labels
from .access import can_see
from .auth import need
from .context import audit_log, confidential, index, render, today, user
from .fields import Field, anchor, macro_name, macro_params, read

LONDON = ZoneInfo("Europe/London")


def _fields() -> list[Field]:
    settings = parts().settings
    return [
        Field("kind", "Kind of feedback", "radios", tuple(labels.KINDS.items())),
        Field(
            "channel",
            "How it reached us",
            "radios",
            tuple((c, labels.CHANNELS[c]) for c in CHANNELS),
        ),
        Field(
            "received",
            "Date received",
            "date",
            required=False,
            hint="Leave blank for today. For example, 27 3 2026",
        ),
        Field(
            "service",
            "Service",
            "select",
            tuple((s.code, s.name) for s in settings.services),
            required=False,
        ),
        Field(
            "details",
            "What they told us",
            "textarea",
            max_length=10_000,
            rows=8,
            hint="In their words, as far as you can.",
        ),
        Field(
            "outcome_wanted",
            "What they would like to happen",
            "textarea",
            required=False,
            max_length=5_000,
        ),
        Field(
            "language",
            "Language for letters",
            "radios",
            tuple(labels.LANGUAGES.items()),
            default="en",
        ),
        Field(
            "name",
            "Name",
            "text",
            required=False,
            max_length=200,
            hint="Leave the contact details blank if they want to stay anonymous.",
        ),
        Field("email", "Email", "text", required=False, max_length=254),
        Field("phone", "Phone", "text", required=False, max_length=30),
        Field("address", "Address", "textarea", required=False, max_length=500, rows=3),
        Field("postcode", "Postcode", "text", required=False, max_length=10),
        Field(
            "preferred_contact",
            "How they would like us to contact them",
            "radios",
            (("email", "Email"), ("phone", "Phone"), ("post", "Post")),
            required=False,
        ),
        Field(
            "communication_needs",
            "Communication needs",
            "checkboxes",
            tuple(labels.NEEDS.items()),
            required=False,
        ),
        Field(
            "subject_name",
            "If they are writing for someone else, that person's name",
            "text",
            required=False,
            max_length=200,
        ),
    ]


PERSONAL = ("name", "email", "phone", "address", "postcode", "preferred_contact", "subject_name")


@blueprint.route("/log", methods=["GET", "POST"])
@need("officer", "manager")
def log_feedback():
    fields = _fields()
    values: dict = {f.name: f.default for f in fields}
    errors: dict[str, str] = {}
    key = request.form.get("idempotency_key") or secrets.token_urlsafe(24)
    if request.method == "POST":
        values, errors = read(fields, request.form)
        if not errors:
            errors = _store(values, key)
            if isinstance(errors, str):
                ref = errors
                audit_log(
                    "case.create",
                    ref=ref,
                    fields=["submission", "personal"],
                    detail=f"logged from {values['channel']}",
                )
                flash(f"Logged as {ref}.")
                case = index().get(ref)
                if case is not None and can_see(user(), case, confidential()):
                    return redirect(url_for("staff.case", ref=ref))
                return redirect(url_for("staff.inbox"))
    else:
        audit_log("log.form")
    drawn = [
        {
            "macro": macro_name(f),
            "params": macro_params(f, values.get(f.name, ""), errors.get(f.name)),
        }
        for f in fields
    ]
    return render(
        "staff/log.html",
        title="Log feedback for someone",
        fields=drawn,
        errors=errors,
        anchors={f.name: anchor(f) for f in fields},
        key=key,
    ), (400 if errors else 200)


def _store(values: dict, key: str):
    """Commit the submission (and personal details); the reference, or errors by field."""
    p = parts()
    received_on = values["received"] or today()
    if received_on > today():
        return {"received": "The date received must be today or in the past"}
    if received_on == today():
        received = datetime.now(UTC)
    else:
        received = datetime.combine(received_on, time(12, 0), LONDON).astimezone(UTC)
    submission = {name: "" for name in p.contract.columns("submissions") if name != "crc"}
    submission.update(
        received=received.isoformat(timespec="seconds"),
        kind=values["kind"],
        variant="standard",
        language=values["language"] or "en",
        channel=values["channel"],
        procedure=p.procedure_code_for(values["service"]),
        service=values["service"],
        details=values["details"],
        outcome_wanted=values["outcome_wanted"]
        if values["kind"] in ("complaint", "concern")
        else "",
        on_behalf="someone_else" if values["subject_name"] else "",
        anonymous="false",
    )
    personal = {name: "" for name in p.contract.columns("personal") if name != "crc"}
    for name in PERSONAL:
        personal[name] = values[name]
    personal["communication_needs"] = ";".join(values["communication_needs"])
    if not any(personal.values()):
        personal = None
        submission["anonymous"] = "true"
    problems = p.contract.check(
        "submissions", {**submission, "ref": "PENDING", "idempotency_key": key}
    )
    if personal is not None:
        problems += p.contract.check("personal", {**personal, "ref": "PENDING"})
    if problems:
        return {
            pr.field: f"Check the {pr.field.replace('_', ' ')}: it is not in a form we can accept"
            for pr in problems
        }
    ref, created = p.store.commit_submission(
        idempotency_key=key, submission=submission, personal=personal
    )
    if created:
        u = user()
        record(
            p.store,
            p.contract,
            [
                event(
                    ref,
                    u.username,
                    "note",
                    note=f"Logged by {u.name} from {labels.CHANNELS[values['channel']].lower()}.",
                ),
            ],
        )
    return ref
