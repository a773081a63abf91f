"""Letters from the case page: choose a template, check and edit the filled letter, produce it
(kept with the case, and a ``letter_sent`` event on the timeline), then print it or download
the PDF to post."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, send_file, url_for

from forms_app.casework.events import event, record
from forms_app.casework.transitions import stage_code
from forms_app.letters import catalogue
from forms_app.letters.document import LetterFiles, page, plain_text
from forms_app.letters.fill import context as letter_context
from forms_app.letters.fill import fill, long_date
from forms_app.letters.pdf import PdfError, html_to_pdf
from forms_app.messages import smtp as mail
from forms_app.web.parts import parts

from . import blueprint, labels
from .context import audit_log, index, render, today, user, users, visible_case


def _directory():
    return catalogue.letters_dir(parts().settings.raw)


def _files() -> LetterFiles:
    return LetterFiles(parts().settings.data_dir)


def _css_path():
    return _directory() / "letter.css"


def _language(case) -> str:
    chosen = request.values.get("language", "")
    return chosen if chosen in catalogue.LANGUAGES else case.language


@blueprint.route("/letter.css")
def letter_css():
    return send_file(_css_path(), mimetype="text/css", max_age=300)


@blueprint.route("/cases/<ref>/letters")
def letters(ref):
    case = visible_case(ref)
    language = _language(case)
    procedure = index().procedure_for(case.procedure)
    templates = catalogue.available(_directory(), procedure.code, language, case.kind)
    produced = [e for e in reversed(case.events) if e["type"] == "letter_sent"]
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

    personal = index().personal(case.ref) or {}
    can_email = mail.email_settings(parts().settings.raw) is not None and bool(
        personal.get("email")
    )
    return render(
        "staff/letter.html",
        title=meta.get("title", "Letter"),
        case=case,
        meta=meta,
        letter_id=letter_id,
        email_to=personal.get("email", "") if can_email else "",
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


@blueprint.route("/cases/<ref>/letters/<letter_id>/email", methods=["POST"])
def letter_email(ref, letter_id):
    """Send the letter as a plain-text email to the person, when email is configured; the
    sending is a contact on the timeline."""
    case = visible_case(ref)
    text, meta = _letter(case, letter_id)
    config = mail.email_settings(parts().settings.raw)
    personal = index().personal(case.ref) or {}
    if config is None or not personal.get("email"):
        abort(404)
    settings = parts().settings
    subject = f"{meta.get('title', 'Letter')} ({case.ref}): {settings.organisation['name']}"
    sent = mail.send(
        config,
        [personal["email"]],
        subject,
        plain_text(text),
        sender=settings.contact.get("email", ""),
    )
    if sent:
        record(
            parts().store,
            parts().contract,
            [
                event(
                    case.ref,
                    user().username,
                    "contact_logged",
                    stage=stage_code(case),
                    value="email",
                    note=f"Emailed the letter: {meta.get('title', '')}",
                ),
            ],
        )
        audit_log("letter.email", ref=case.ref, fields=["email"], detail=meta["template"])
        flash("The letter was emailed.")
    else:
        flash("The email could not be sent. Print the letter and post it instead.")
    return redirect(url_for("staff.letter", ref=case.ref, letter_id=letter_id))
