"""Logging feedback received by phone, letter, email or in person, on the person's behalf.

The form asks staff what the public journeys ask the person: who they are writing for, how they
are related, whether that person agrees (or why they cannot), whether they want an advocate,
when it happened, whether it is happening now, what they tried already and how they would like
to be contacted. The codes offered are the schema's (``datapackage/``), with words from
``labels``, and every row is checked through the schema before it is stored, so the form cannot
store what the online journeys could not.

The submission is stored exactly as an online one would be (same schema, same durable commit,
an idempotency key issued with the form so a double click makes one record), with its channel;
a note event records which staff member logged it."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import flash, redirect, request, url_for

from forms_app.casework.events import event, record
from forms_app.casework.state import CHANNELS
from forms_app.storage.contract import FieldProblem
from forms_app.web.parts import parts

from . import blueprint, labels
from .access import can_see
from .auth import need
from .context import audit_log, confidential, index, render, today, user
from .fields import Field, anchor, macro_name, macro_params, read

LONDON = ZoneInfo("Europe/London")

#: How they would like us to contact them, in the words a caller would use.
CONTACT_WORDS = {"email": "By email", "phone": "By phone", "post": "By letter in the post"}
#: The form of the idempotency keys the form issues (the schema's pattern for them).
KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
#: Answers that only mean something when the person writes for someone else.
SOMEONE_ELSE_FIELDS = ("subject_name", "relationship", "consent", "consent_detail")
#: Examples shown when a value is not in the form the schema's pattern accepts.
PATTERN_MESSAGES = {
    "email": "Enter an email address in the correct format, like name@example.com",
    "phone": "Enter a phone number, like 07700 900 982 or +44 808 157 0192",
    "postcode": "Enter a real postcode, like CF10 1AA",
}


def _schema_choices(resource: str, name: str, words: dict[str, str]) -> tuple:
    """The codes the schema allows for a field, each with the words staff read for it."""
    return tuple((code, words.get(code, code)) for code in parts().contract.enum(resource, name))


def _sections() -> list[tuple[str, list[Field]]]:
    """The form's fields in groups, each group under a heading, in the journeys' order."""
    settings = parts().settings
    return [
        (
            "The feedback",
            [
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
                    "service_detail",
                    "Ward, team, home or place",
                    "text",
                    required=False,
                    max_length=200,
                ),
                Field(
                    "happened_on",
                    "When it happened, or started",
                    "date",
                    required=False,
                    hint="If they know. For example, 14 3 2026",
                ),
                Field(
                    "happening_now",
                    "Is it happening now, or about care they are still getting?",
                    "radios",
                    _schema_choices("submissions", "happening_now", labels.HAPPENING_NOW),
                    required=False,
                ),
                Field(
                    "tried_already",
                    "What they have tried already",
                    "radios",
                    _schema_choices("submissions", "tried_already", labels.TRIED_ALREADY),
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
            ],
        ),
        (
            "Who it is about",
            [
                Field(
                    "on_behalf",
                    "Who is the feedback about?",
                    "radios",
                    _schema_choices(
                        "submissions",
                        "on_behalf",
                        {"self": "The person telling us", "someone_else": "Someone else"},
                    ),
                    required=False,
                ),
                Field(
                    "subject_name",
                    "If they are writing for someone else, that person's name",
                    "text",
                    required=False,
                    max_length=200,
                ),
                Field(
                    "relationship",
                    "How the person telling us is related to them",
                    "radios",
                    _schema_choices("submissions", "relationship", labels.RELATIONSHIPS),
                    required=False,
                    error="Select how the person telling us is related to the person it is about",
                ),
                Field(
                    "consent",
                    "Does the person it is about agree to the feedback being given for them?",
                    "radios",
                    _schema_choices("submissions", "consent", labels.CONSENT),
                    required=False,
                    hint="If they cannot agree, say why. We still look into what we are told.",
                    error="Select whether the person it is about agrees, or why they cannot",
                ),
                Field(
                    "consent_detail",
                    "More about their agreement",
                    "textarea",
                    required=False,
                    max_length=1_000,
                    rows=3,
                    hint="For example, who holds lasting power of attorney.",
                ),
                Field(
                    "advocate",
                    "Would they like help from an independent advocate?",
                    "radios",
                    _schema_choices("submissions", "advocate", labels.ADVOCATE),
                    required=False,
                    hint="A yes puts offering an advocate on the case's aide-memoire.",
                ),
            ],
        ),
        (
            "How to contact them",
            [
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
                # Longer than the schema allows: a mistyped postcode is told to be a real one.
                Field("postcode", "Postcode", "text", required=False, max_length=30),
                Field(
                    "preferred_contact",
                    "How they would like us to contact them",
                    "radios",
                    _schema_choices("personal", "preferred_contact", CONTACT_WORDS),
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
                    "communication_detail",
                    "More about their communication needs",
                    "text",
                    required=False,
                    max_length=500,
                    hint="For example, which language an interpreter should speak.",
                ),
            ],
        ),
    ]


SUBMISSION = (
    "service_detail",
    "happening_now",
    "tried_already",
    "relationship",
    "consent",
    "consent_detail",
    "advocate",
)
PERSONAL = (
    "name",
    "email",
    "phone",
    "address",
    "postcode",
    "preferred_contact",
    "subject_name",
    "communication_detail",
)


@blueprint.route("/log", methods=["GET", "POST"])
@need("officer", "manager")
def log_feedback():
    sections = _sections()
    fields = [f for _heading, group in sections for f in group]
    values: dict = {f.name: f.default for f in fields}
    errors: dict[str, str] = {}
    key = request.form.get("idempotency_key", "")
    if not KEY.fullmatch(key):
        # A key the schema would refuse was not issued by this form: start a fresh one.
        key = secrets.token_urlsafe(24)
    if request.method == "POST":
        values, errors = read(fields, request.form)
        _tidy(values)
        errors = _check(fields, values, errors, key)
        if not errors:
            ref = _store(values, key)
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
        (
            heading,
            [
                {
                    "macro": macro_name(f),
                    "params": macro_params(f, values.get(f.name, ""), errors.get(f.name)),
                }
                for f in group
            ],
        )
        for heading, group in sections
    ]
    return render(
        "staff/log.html",
        title="Log feedback for someone",
        sections=drawn,
        errors=errors,
        anchors={f.name: anchor(f) for f in fields},
        key=key,
    ), (400 if errors else 200)


def _tidy(values: dict) -> None:
    """Spacing the schema's patterns do not mind but people type: a postcode in capitals with
    one space before its last three characters, and whether the person writes for someone
    else taken from their answers when staff did not say."""
    postcode = re.sub(r"\s+", "", values.get("postcode") or "").upper()
    tidied = f"{postcode[:-3]} {postcode[-3:]}"
    if len(postcode) > 4 and not parts().contract.check(
        "personal", {"postcode": tidied}, partial=True
    ):
        values["postcode"] = tidied
    if not values.get("on_behalf") and any(values.get(n) for n in SOMEONE_ELSE_FIELDS):
        values["on_behalf"] = "someone_else"


def _check(fields: list[Field], values: dict, errors: dict, key: str) -> dict[str, str]:
    """Every problem with the form, by field in the form's order: what ``read`` found, the
    answers that depend on each other, then the schema's rules over the rows to be stored."""
    errors = dict(errors)
    received = values.get("received")
    if isinstance(received, date) and received > today():
        errors["received"] = "The date received must be today or in the past"
    happened = values.get("happened_on")
    if isinstance(happened, date) and "happened_on" not in errors:
        if happened > today():
            errors["happened_on"] = "The date it happened must be today or in the past"
        elif isinstance(received, date) and happened > received:
            errors["happened_on"] = "The date it happened must be on or before the date received"
    if values.get("on_behalf") == "someone_else":
        for name in ("relationship", "consent"):
            if not values.get(name) and name not in errors:
                errors[name] = next(f for f in fields if f.name == name).missing_message
    elif values.get("on_behalf") == "self" and any(values.get(n) for n in SOMEONE_ELSE_FIELDS):
        errors["on_behalf"] = (
            "Select someone else if they are writing for another person, "
            "or clear that person's details"
        )
    by_name = {f.name: f for f in fields}
    submission, personal = _rows(values)
    problems = parts().contract.check(
        "submissions", {**submission, "ref": "PENDING", "idempotency_key": key}
    )
    if personal is not None:
        problems += parts().contract.check("personal", {**personal, "ref": "PENDING"})
    for problem in problems:
        name = problem.field
        if name not in by_name:
            # A value no field of this form sets: the form's own mistake, not the caller's.
            raise ValueError(f"logged feedback breaks the schema: {problem}")
        errors.setdefault(name, _schema_message(by_name[name], problem))
    order = [f.name for f in fields]
    return dict(sorted(errors.items(), key=lambda item: order.index(item[0])))


def _schema_message(f: Field, problem: FieldProblem) -> str:
    """A schema rule a value broke, in GOV.UK's words for the field."""
    if problem.code in ("required", "minLength", "enum"):
        return f.missing_message
    if problem.code == "maxLength" and f.name != "postcode":
        return f"{f.label} must be {problem.limit} characters or fewer"
    if f.name == "postcode" or (problem.code == "pattern" and f.name in PATTERN_MESSAGES):
        return PATTERN_MESSAGES[f.name]
    return f"Enter {f.label[0].lower()}{f.label[1:]} in the correct format"


def _received(values: dict) -> datetime:
    received_on = values["received"] if isinstance(values.get("received"), date) else today()
    if received_on == today():
        return datetime.now(UTC)
    return datetime.combine(received_on, time(12, 0), LONDON).astimezone(UTC)


def _rows(values: dict) -> tuple[dict, dict | None]:
    """The submission and personal-details rows the values make (None for no personal details,
    which marks the submission anonymous)."""
    p = parts()
    someone_else = values.get("on_behalf") == "someone_else"
    happened = values.get("happened_on")
    submission = {name: "" for name in p.contract.columns("submissions") if name != "crc"}
    submission.update(
        received=_received(values).isoformat(timespec="seconds"),
        kind=values.get("kind") or "",
        variant="standard",
        language=values.get("language") or "en",
        channel=values.get("channel") or "",
        procedure=p.procedure_code_for(values.get("service") or ""),
        service=values.get("service") or "",
        details=values.get("details") or "",
        outcome_wanted=values.get("outcome_wanted") or ""
        if values.get("kind") in ("complaint", "concern")
        else "",
        happened_on=happened.isoformat() if isinstance(happened, date) else "",
        on_behalf=values.get("on_behalf") or "",
        anonymous="false",
    )
    for name in SUBMISSION:
        submission[name] = values.get(name) or ""
    if not someone_else:
        for name in ("relationship", "consent", "consent_detail"):
            submission[name] = ""
    personal = {name: "" for name in p.contract.columns("personal") if name != "crc"}
    for name in PERSONAL:
        personal[name] = values.get(name) or ""
    personal["communication_needs"] = ";".join(values.get("communication_needs") or [])
    if not any(personal.values()):
        personal = None
        submission["anonymous"] = "true"
    return submission, personal


def _store(values: dict, key: str) -> str:
    """Commit the submission (and personal details), checked by ``_check``; its reference."""
    p = parts()
    submission, personal = _rows(values)
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
