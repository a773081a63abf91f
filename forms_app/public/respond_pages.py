"""The page an investigating manager without a staff account opens from the link emailed to
them (``/respond/<secret>``): what the officer shared with them for one request of one case,
and a form for their answer and files. The answer becomes a case event and the officer is told.

Rules:
- the page shows only what was shared (``casework.requests.shared_view``): never the person's
  name or contact details;
- a link that is unknown, answered already, revoked, withdrawn or past its end gives the same
  page (``respond_gone.html``), so nobody learns whether a case or a request exists;
- every open and every answer is in the audit log; each network may try ``RULES`` links;
- files are checked and scanned as on the public file page, and kept with the case.

The pages are in Welsh at ``/cy/respond/<secret>`` (the link sent for a case whose language is
Welsh) and in English at ``/respond/<secret>``, with the language switch the public pages have;
on the answer form the switch sends the form back, so nothing typed is lost.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import date

from flask import abort, current_app, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_babel import refresh as refresh_language

from forms_app.accounts import UserBook
from forms_app.casework.changes import Actor, Refused
from forms_app.casework.request_answers import queue_answered_alert, record_answer
from forms_app.casework.request_links import Links, links_exist
from forms_app.casework.requests import shared_view
from forms_app.evidence import CLEAN, INFECTED, NOT_SCANNED, Refusal, safe_name
from forms_app.language.welsh import long_date
from forms_app.records import audit
from forms_app.storage import EvidenceDamaged, StoreWriteError
from forms_app.storage.vocabulary import LANGUAGES
from forms_app.web.downloads import file_response
from forms_app.web.hosts import staff_url
from forms_app.web.parts import case_index, parts
from forms_app.web.uploads import chosen_files, limits, now, receive, scanner

from .file_pages import file_problem
from .ratelimit import RateLimiter, Rule, client_address, open_limiter
from .rendering import language_switch
from .views import blueprint

log = logging.getLogger(__name__)
#: Per network: pages of links opened or answered. Generous (one office shares an address),
#: but a guesser gets nowhere: a secret has 256 bits.
RULES = {"respond_address": Rule("respond_address", 60, 900)}
#: The actor of an answer sent through a link (the events' ``actor`` column).
LINK_ACTOR = "investigator (by link)"
#: The same, in the audit log's spelling (letters, digits and ``_.:-`` only).
AUDIT_ACTOR = "investigator-by-link"
OPENABLE = (CLEAN, NOT_SCANNED)
SERVICE_NAME = lazy_gettext("Answer a request")
#: What was asked for, in the page's language (the codes are ``casework.request_state.ASKS``).
ASKS_WORDS = {
    "statement": lazy_gettext("A statement"),
    "information": lazy_gettext("Information"),
    "draft_response": lazy_gettext("A draft response"),
}
#: The form the switch sends back (``base.html`` names it in the switch's button).
FORM_ID = "answer-form"


def _route(rule: str, endpoint: str, methods=("GET",)):
    """Register a view at ``rule`` in English and at ``/cy`` + ``rule`` in Welsh."""

    def register(view):
        for language in LANGUAGES:
            prefix = "" if language == "en" else f"/{language}"
            blueprint.add_url_rule(
                prefix + rule,
                endpoint,
                view,
                methods=list(methods),
                defaults={"lang": language, "variant": "standard"},
            )
        return view

    return register


def _limiter() -> RateLimiter:
    limiter = current_app.extensions.get("respond_ratelimit")
    if limiter is None:
        limiter = open_limiter(current_app.config["SECRET_KEY"], RULES)
        current_app.extensions["respond_ratelimit"] = limiter
    return limiter


def _links() -> Links:
    return Links(parts().settings.data_dir, current_app.config["SECRET_KEY"])


def _audit(action: str, ref: str | None = None, detail: str = "", fields=()) -> None:
    audit.record(
        parts().settings.data_dir,
        actor=AUDIT_ACTOR,
        action=action,
        ref=ref,
        fields=tuple(fields),
        detail=detail,
    )


def _page(template: str, status: int = 200, **context):
    context.setdefault("switch", language_switch())
    return render_template(template, service_name=SERVICE_NAME, **context), status


def _gone(status: int = 404):
    """The one page for every link that does not work, whatever the reason."""
    return _page("public/respond_gone.html", status, title=_("This link does not work"))


def _too_many():
    return _page("public/respond_gone.html", 429, title=_("Too many tries"), too_many=True)


def _found(secret: str):
    """(case, request) a working link opens, or None."""
    if not links_exist(parts().settings.data_dir):
        return None  # no link was ever made: nothing to open (and no file made by looking)
    with _links() as links:
        link = links.find(secret)
    case = case_index().get(link.ref) if link is not None else None
    found = case.requests.get(link.request) if case is not None else None
    if found is None or not found.outstanding or not found.by_link or not case.is_open:
        return None
    return case, found


def _view(case, found) -> dict:
    submission = parts().store.find(case.ref) or {}
    service = parts().settings.service_name(case.service, g.language) or ""
    view = shared_view(case, found, submission, service)
    view["asks"] = ASKS_WORDS.get(found.asks, view["asks"])
    view["due_text"] = long_date(found.due, g.language)
    happened = view["account"].get("happened_on") or ""
    # A value that is not a date (the schema would not pass one) is shown as stored.
    with suppress(ValueError):
        view["account"]["happened_on"] = long_date(date.fromisoformat(happened), g.language)
    rows = {r["id"]: r for r in parts().store.evidence.files_of(case.ref)}
    view["files"] = [
        {"id": i, "name": rows[i]["name"], "kind": rows[i]["kind"].upper()}
        for i in view["files"]
        if i in rows and rows[i]["scan"] in OPENABLE
    ]
    return view


@_route("/respond/<secret>", "respond", methods=("GET", "POST"))
def respond(secret):
    if not _limiter().hit("respond_address", client_address()):
        return _too_many()
    found = _found(secret)
    if found is None:
        _audit("request.link_refused")
        return _gone()
    case, asked = found
    text = request.form.get("answer", "")
    switch_to = request.form.get("switch_language")
    if request.method == "POST" and switch_to in LANGUAGES:
        # The same form in the other language, with the answer as typed; nothing is stored.
        g.language = switch_to
        refresh_language()
    page = _answer_page(secret, case, asked)
    if request.method == "GET":
        _audit("request.link_open", case.ref, asked.ident)
        return _page("public/respond.html", errors={}, text="", **page)
    if switch_to in LANGUAGES:
        return _page("public/respond.html", errors={}, text=text, **page)
    files, problems = _receive()
    if problems and not files:
        return _page(
            "public/respond.html", 400, errors={"files": " ".join(problems)}, text=text, **page
        )
    try:
        record_answer(
            parts().store,
            parts().contract,
            case,
            Actor(LINK_ACTOR, date.today()),
            asked.ident,
            text,
            files,
        )
    except Refused as refusal:
        return _page(
            "public/respond.html",
            400,
            errors={"answer": _refusal_words(refusal)},
            text=text,
            **page,
        )
    except (StoreWriteError, EvidenceDamaged, OSError, ValueError) as error:
        log.error("respond: answer not stored (%s)", type(error).__name__)
        return _page(
            "public/respond.html",
            503,
            errors={"answer": _("Your answer could not be stored: try again.")},
            text=text,
            **page,
        )
    with _links() as links:
        links.spend(asked.ident)
    _audit("request.link_answer", case.ref, asked.ident)
    _alert(case, asked)
    return _page(
        "public/respond_done.html",
        title=_("Your answer has been sent"),
        ref=case.ref,
        problems=problems,
        switch=None,  # the link is spent: the page cannot be opened again in another language
    )


def _answer_page(secret: str, case, asked) -> dict:
    """What the answer page shows, in the page's language, and where its form goes."""
    action = url_for("public.respond", secret=secret)
    return {
        "title": _("Answer a request"),
        "view": _view(case, asked),
        "files_offered": scanner() is not None,
        "file_url": lambda i: url_for("public.respond_file", secret=secret, file_id=i),
        "action": action,
        "form_id": FORM_ID,
    }


def _refusal_words(refusal: Refused) -> str:
    """Why an answer was not taken, in the page's language. ``casework.requests`` gives its
    reasons in English for the staff pages; the page says the same in the person's words."""
    reason = refusal.reason
    if reason.startswith("Enter "):
        return _("Enter your answer, or add a file")
    if "characters or fewer" in reason:
        return _("Your answer must be %(count)s characters or fewer", count="5,000")
    if "cannot be kept" in reason:
        return _("Your answer holds characters that cannot be kept: remove them and try again")
    return _("This request has already been answered or stopped")


def _receive():
    """The files chosen, checked and scanned: ([(row, bytes)], [problems in words])."""
    files, problems = [], []
    if scanner() is None:
        return files, problems
    uploads = chosen_files(request.files.getlist("files"))
    if len(uploads) > limits().files:
        return [], [_("Add at most %(count)s files at a time.", count=limits().files)]
    for upload in uploads:
        name = safe_name(upload.filename)
        try:
            got = receive(upload, name)
        except Refusal as refusal:
            problems.append(file_problem(refusal.code, name))
            continue
        files.append(({**got.row, "added_by": LINK_ACTOR, "at": now()}, got.data))
        if got.row["scan"] == INFECTED:
            problems.append(file_problem("infected", name))
    return files, problems


def _alert(case, asked) -> None:
    """Queue the email to whoever asked, and the case's owner, that the answer came (the
    message worker sends it)."""
    settings = parts().settings
    book = UserBook(settings.data_dir)
    link = f"{staff_url(settings)}/staff/cases/{case.ref}#requests"
    accounts = [book.get(asked.asked_by), book.get(case.owner)]
    queue_answered_alert(settings, case, asked, asked.to_name, accounts, link)


@_route("/respond/<secret>/files/<file_id>", "respond_file")
def respond_file(secret, file_id):
    """A file the officer shared with this request, once it has passed the virus check."""
    if not _limiter().hit("respond_address", client_address()):
        return _too_many()
    found = _found(secret)
    if found is None:
        return _gone()
    case, asked = found
    if asked.shares != "account_and_files" or file_id not in asked.files:
        abort(404)
    row = next((r for r in parts().store.evidence.files_of(case.ref) if r["id"] == file_id), None)
    if row is None or row["scan"] not in OPENABLE:
        abort(404)
    try:
        data = parts().store.evidence.read(row)
    except EvidenceDamaged:
        abort(404)
    _audit("request.link_file", case.ref, file_id, fields=("evidence",))
    return file_response(row, data)
