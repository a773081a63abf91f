"""Letters from the case page: choose a template, check and edit the filled letter, produce it
(kept with the case, and a ``letter_sent`` event on the timeline), then print it or download
the PDF to post, and mark it as posted or email it. Emailing it queues it in the message outbox
as one of the person's messages (``casework.messaging``: only to someone who chose email, in the
letter's language), and the message worker sends it; it is recorded when queued, as any change
that tells the person something is, and the letter's page shows whether it has gone yet.
Sending a letter that acknowledges the feedback records the acknowledgement
(``casework.annotations.send_letter``). No letter is produced or sent while the case's
processing is restricted."""

from __future__ import annotations

from datetime import datetime

from flask import Response, abort, flash, redirect, request, send_file, url_for

from forms_app.casework.annotations import send_letter
from forms_app.casework.events import event, record
from forms_app.casework.flags import is_restricted
from forms_app.casework.transitions import (
    Actor,
    Refused,
    can_acknowledge,
    refuse_while_restricted,
    stage_code,
)
from forms_app.letters import catalogue
from forms_app.letters.document import LetterFiles, page, plain_text
from forms_app.letters.fill import context as letter_context
from forms_app.letters.fill import fill, long_date
from forms_app.letters.pdf import PdfError, html_to_pdf
from forms_app.web.parts import parts

from . import blueprint, labels
from .context import audit_log, index, render, today, user, users, visible_case


def _directory():
    return catalogue.letters_dir(parts().settings.raw)


def _files() -> LetterFiles:
    return LetterFiles(parts().settings.data_dir)


def _css_path():
    return _directory() / "letter.css"


def _actor() -> Actor:
    return Actor(user().username, today())


def _refused_here(case, doing: str):
    """The case page with the reason, when the case's processing is restricted; else None."""
    try:
        refuse_while_restricted(case, _actor(), doing)
    except Refused as refusal:
        flash(refusal.reason, "refused")
        return redirect(url_for("staff.case", ref=case.ref))
    return None


def _english_date(record: dict) -> str:
    """The day of ``record["at"]`` in English, for the staff pages (the letter's own date is
    in the letter's language)."""
    try:
        return long_date(datetime.fromisoformat(record.get("at", "")).date(), "en")
    except (TypeError, ValueError):
        return ""


def _name_of(username: str) -> str:
    found = users().get(username) if username else None
    return found.name if found is not None else username


def _language(case) -> str:
    chosen = request.values.get("language", "")
    return chosen if chosen in catalogue.LANGUAGES else case.language


@blueprint.route("/letter.css")
def letter_css():
    return send_file(_css_path(), mimetype="text/css", max_age=300)


@blueprint.route("/cases/<ref>/letters")
def letters(ref):
    case = visible_case(ref)
    if refused := _refused_here(case, "producing a letter"):
        return refused
    language = _language(case)
    procedure = index().procedure_for(case.procedure)
    templates = catalogue.available(_directory(), procedure.code, language, case.kind)
    produced = [
        {**e, "on": _english_date(e)} for e in reversed(case.events) if e["type"] == "letter_sent"
    ]
    audit_log("letters.view", ref=case.ref)
    names = {u.username: u.name for u in users().all()}
    return render(
        "staff/letters.html",
        title="Write a letter",
        case=case,
        language=language,
        languages=labels.LANGUAGES,
        templates=templates,
        produced=produced,
        names=names,
        back_url=url_for("staff.case", ref=case.ref),
    )


@blueprint.route("/cases/<ref>/letters/new/<name>", methods=["GET", "POST"])
def new_letter(ref, name):
    case = visible_case(ref)
    if refused := _refused_here(case, "producing a letter"):
        return refused
    language = _language(case)
    procedure = index().procedure_for(case.procedure)
    template = catalogue.find(_directory(), procedure.code, language, name)
    if template is None:
        abort(404)
    personal = index().personal(case.ref) or {}
    error = ""
    if request.method == "POST":
        text = request.form.get("text", "").replace("\r\n", "\n").strip() + "\n"
        if len(text.strip()) < 10:
            error = "Enter the letter"
        elif len(text) > 50_000:
            error = "The letter must be 50,000 characters or fewer"
        else:
            row = event(
                case.ref,
                user().username,
                "letter_sent",
                stage=stage_code(case),
                value=name,
                note=f"{labels.LANGUAGES[language]}: {template.title}",
            )
            settings = parts().settings
            meta = {
                "ref": case.ref,
                "template": name,
                "title": template.title,
                "language": language,
                "produced_by": user().username,
                "at": row["at"],
                "date": long_date(today(), language),
                "name": personal.get("name", ""),
                "address": [
                    line for line in (personal.get("address") or "").splitlines() if line.strip()
                ]
                + ([personal["postcode"]] if personal.get("postcode") else []),
                "org": {
                    "name": settings.organisation["name"],
                    "address": settings.contact.get("address", ""),
                    "phone": settings.contact.get("phone", ""),
                    "email": settings.contact.get("email", ""),
                },
            }
            # The file first: an event must never point at a letter that is not there.
            _files().save(case.ref, row["event_id"], text, meta)
            record(parts().store, parts().contract, [row])
            audit_log("letter.create", ref=case.ref, fields=["name", "address"], detail=name)
            flash(f"Letter produced: {template.title}.")
            return redirect(url_for("staff.letter", ref=case.ref, letter_id=row["event_id"]))
    else:
        due, *_ = index().deadline(case, today())
        submission = parts().store.find(case.ref) or {}
        names = {u.username: u.name for u in users().all()}
        values = letter_context(
            case=case,
            personal=personal,
            submission=submission,
            settings=parts().settings,
            procedure=procedure,
            due=due,
            officer=names.get(case.owner, ""),
            signatory=user().name,
            language=language,
            today=today(),
        )
        text = fill(template.source(), values)
        # The first line of a template is its title comment, already gone; trim the start.
        text = text.lstrip("\n")
        audit_log("letter.draft", ref=case.ref, fields=["name", "address"], detail=name)
    return render(
        "staff/letter_new.html",
        title=template.title,
        case=case,
        template=template,
        language=language,
        text=text,
        error=error,
        back_url=url_for("staff.letters", ref=case.ref, language=language),
    ), (400 if error else 200)


def _letter(case, letter_id):
    found = _files().load(case.ref, letter_id)
    if found is None:
        abort(404)
    return found


@blueprint.route("/cases/<ref>/letters/<letter_id>")
def letter(ref, letter_id):
    case = visible_case(ref)
    text, meta = _letter(case, letter_id)
    audit_log("letter.view", ref=case.ref, fields=["name", "address"], detail=meta["template"])
    from forms_app.letters.document import body_html

    email_to = _email_to(case)
    sent = meta.get("sent", [])
    states = parts().messenger.states([s["message"] for s in sent if s.get("message")])
    acknowledges = meta.get("template") in catalogue.ACKNOWLEDGES and can_acknowledge(case)
    return render(
        "staff/letter.html",
        title=meta.get("title", "Letter"),
        case=case,
        meta=meta,
        produced_on=_english_date(meta),
        sent=[
            {
                **one,
                "on": _english_date(one),
                "by": _name_of(one.get("by", "")),
                "state": states.get(one.get("message", ""), "sent"),
            }
            for one in sent
        ],
        acknowledges=acknowledges,
        restricted=is_restricted(case),
        letter_id=letter_id,
        email_to=email_to,
        body=body_html(text),
        back_url=url_for("staff.case", ref=case.ref),
    )


@blueprint.route("/cases/<ref>/letters/<letter_id>/print")
def letter_print(ref, letter_id):
    case = visible_case(ref)
    text, meta = _letter(case, letter_id)
    audit_log("letter.print", ref=case.ref, fields=["name", "address"], detail=meta["template"])
    return Response(page(text, meta, stylesheet=url_for("staff.letter_css")), mimetype="text/html")


@blueprint.route("/cases/<ref>/letters/<letter_id>.pdf")
def letter_pdf(ref, letter_id):
    case = visible_case(ref)
    text, meta = _letter(case, letter_id)
    css = _css_path().read_text("utf-8")
    try:
        pdf = html_to_pdf(page(text, meta, inline_css=css))
    except PdfError:
        abort(503)
    audit_log("letter.export", ref=case.ref, fields=["name", "address"], detail="pdf")
    filename = f"{case.ref}-{meta['template']}.pdf".replace("/", "_")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _email_to(case) -> str:
    """The person's address when the letter may be emailed to them, else ""."""
    submission = parts().store.find(case.ref)
    if submission is None:
        return ""
    return parts().messenger.letter_email_to(submission, index().personal(case.ref))


def _sending(case, meta: dict, channel: str) -> list[dict]:
    """The events of the letter going out (a contact, and the acknowledgement when the letter
    gives it); raises ``Refused``."""
    acknowledges = meta.get("template") in catalogue.ACKNOWLEDGES
    return send_letter(
        case, _actor(), channel=channel, title=meta.get("title", ""), acknowledges=acknowledges
    )


def _record_sending(letter_id: str, text: str, meta: dict, rows: list[dict], **how) -> str:
    """Record that the letter went out (``rows``: ``_sending``'s) and keep when and how beside
    the letter (``how``: ``how``, and the outbox ``message`` of an email); the words to show
    staff."""
    record(parts().store, parts().contract, rows)
    sent = [*meta.get("sent", []), {**how, "at": rows[0]["at"], "by": user().username}]
    _files().save(rows[0]["ref"], letter_id, text, {**meta, "sent": sent})
    if any(row["type"] == "acknowledged" for row in rows):
        return "The acknowledgement is recorded as sent today."
    return ""


@blueprint.route("/cases/<ref>/letters/<letter_id>/posted", methods=["POST"])
def letter_posted(ref, letter_id):
    """The member of staff posted the printed letter."""
    case = visible_case(ref)
    text, meta = _letter(case, letter_id)
    try:
        said = _record_sending(letter_id, text, meta, _sending(case, meta, "letter"), how="letter")
    except Refused as refusal:
        flash(refusal.reason, "refused")
    else:
        audit_log("letter.posted", ref=case.ref, fields=["address"], detail=meta["template"])
        flash(f"The letter is marked as posted. {said}".strip())
    return redirect(url_for("staff.letter", ref=case.ref, letter_id=letter_id))


@blueprint.route("/cases/<ref>/letters/<letter_id>/email", methods=["POST"])
def letter_email(ref, letter_id):
    """Queue the letter as a plain-text email to the person, who chose email; the message
    worker sends it. The sending is a contact on the timeline (and the acknowledgement, for a
    letter that gives it), recorded once it is queued."""
    case = visible_case(ref)
    text, meta = _letter(case, letter_id)
    if not _email_to(case):
        abort(404)
    if refused := _refused_here(case, "sending a letter"):
        return refused
    try:
        rows = _sending(case, meta, "email")
    except Refused as refusal:
        flash(refusal.reason, "refused")
        return redirect(url_for("staff.letter", ref=case.ref, letter_id=letter_id))
    # Which sending of this letter: the same one queued again (after its record failed) is one
    # email, while emailing the letter again later is another.
    emailed = sum(one.get("how") == "email" for one in meta.get("sent", []))
    message = parts().messenger.queue_emailed_letter(
        parts().store,
        case.ref,
        index().personal(case.ref),
        cause=f"{letter_id}.{emailed}",
        title=meta.get("title", ""),
        text=plain_text(text),
        language=meta.get("language", ""),
    )
    if not message:
        flash("The email could not be queued. Print the letter and post it instead.", "refused")
        return redirect(url_for("staff.letter", ref=case.ref, letter_id=letter_id))
    said = _record_sending(letter_id, text, meta, rows, how="email", message=message)
    audit_log("letter.email_queued", ref=case.ref, fields=["email"], detail=meta["template"])
    flash(f"The letter is queued to send by email. {said}".strip())
    return redirect(url_for("staff.letter", ref=case.ref, letter_id=letter_id))
