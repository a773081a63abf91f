"""Requests to investigators on the staff pages: asking (``/staff/cases/<ref>/requests/new``),
revoking and withdrawing, the list of requests for you and those you wait for
(``/staff/requests``), and answering one as a member of staff (``/staff/requests/<ref>/<id>``).

Thin: the rules are in ``forms_app.casework.requests``. Someone without an account is sent a
link by email through the message outbox, so a failed send is tried again and shown on the
"messages not sent" page (``forms_app.public.respond_pages`` serves the link; with no message
provider set, it goes as an email to staff through the same outbox, by the ``email:`` section);
a member of staff is emailed the staff page's address through the outbox too, and answers here,
seeing only what was shared, even on a case they could not otherwise open. Every view and
change is audited.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import abort, current_app, flash, redirect, request, url_for

from forms_app.casework import events
from forms_app.casework.changes import Actor, Refused
from forms_app.casework.flags import is_restricted
from forms_app.casework.request_answers import queue_answered_alert, record_answer
from forms_app.casework.request_links import Links, expiry
from forms_app.casework.request_messages import request_link_message
from forms_app.casework.request_state import ASKS, SHARES
from forms_app.casework.requests import (
    Asked,
    ask,
    due_from,
    outstanding,
    outstanding_among,
    revoke,
    shared_view,
    withdraw,
)
from forms_app.evidence import INFECTED, Refusal, safe_name
from forms_app.messages import smtp as mail
from forms_app.messages.staff_mail import queue_staff_mail
from forms_app.storage import EvidenceDamaged, StoreWriteError
from forms_app.web.downloads import file_response
from forms_app.web.hosts import staff_url
from forms_app.web.parts import parts
from forms_app.web.uploads import chosen_files, limits, now, receive, scanner

from . import blueprint
from .access import visible
from .auth import need
from .case_files import KIND_NAMES, OPENABLE
from .context import audit_log, confidential, index, render, today, user, users, visible_case
from .pages import visible_briefs

log = logging.getLogger(__name__)
DEFAULT_DAYS = 10


def links() -> Links:
    return Links(parts().settings.data_dir, current_app.config["SECRET_KEY"])


def public_url() -> str:
    """Where the public pages start, for the link emailed to someone without an account."""
    return parts().settings.form_url.rstrip("/")


def _names() -> dict[str, str]:
    return {u.username: u.name for u in users().all()}


def _askable() -> list:
    """Staff accounts that may be asked: active ones, other than the one asking."""
    return [u for u in users().all() if u.active and u.username != user().username]


def who_asked(found) -> str:
    """The person asked, as staff read it."""
    if found.to_user:
        return _names().get(found.to_user, found.to_user)
    return f"{found.to_name} ({found.to_email}, by link)"


@blueprint.context_processor
def _requests_for_templates():
    # Functions, not values: only the pages that show them pay for them.
    return {"case_requests": _case_requests, "requests_waiting": _waiting_count}


def _case_requests(case) -> dict:
    """What the case page's "Requests to investigators" section shows."""
    names = _names()
    return {
        "all": sorted(case.requests.values(), key=lambda r: (r.asked_on, r.ident), reverse=True),
        "names": names,
        "who": who_asked,
        "asks": ASKS,
        "today": today(),
        "can_ask": user().has("officer", "manager") and case.is_open and not is_restricted(case),
    }


def _waiting_count() -> dict[str, int]:
    """Outstanding requests on the cases this member of staff may see, and on their own
    cases: the home page's figures."""
    me = user()
    key = ("requests waiting", me.username, tuple(me.roles), tuple(me.services), today())

    def count():
        # Counted from the open cases in brief: counting folds none of them.
        found = visible_briefs(open_only=True)
        return {
            "all": sum(c.waiting for c in found),
            "mine": sum(c.waiting for c in found if c.owner == me.username),
        }

    return index().memo(key, count)


# -- asking ---------------------------------------------------------------------------------


def _form_context(case, form, errors):
    files = [
        {"id": r["id"], "name": r["name"], "kind": KIND_NAMES.get(r["kind"], r["kind"])}
        for r in parts().store.evidence.files_of(case.ref)
        if r["scan"] in OPENABLE
    ]
    return {
        "case": case,
        "form": form,
        "errors": errors,
        "people": _askable(),
        "asks": ASKS,
        "shares": SHARES,
        "files": files,
        "default_days": DEFAULT_DAYS,
    }


@blueprint.route("/cases/<ref>/requests/new", methods=["GET", "POST"])
@need("officer", "manager")
def request_new(ref):
    case = visible_case(ref)
    if request.method == "GET":
        audit_log("request.form", ref=case.ref)
        form = {"days": str(DEFAULT_DAYS), "who": "staff", "shares": "account"}
        return render(
            "staff/request_new.html", title="Ask for a statement", **_form_context(case, form, {})
        )
    form = {
        k: (request.form.get(k) or "")
        for k in ("who", "user", "name", "email", "asks", "question", "days", "shares")
    }
    chosen_files = request.form.getlist("files")
    form["files"] = chosen_files
    errors = {}
    procedure = index().procedure_for(case.procedure)
    calendar = index().calendar_for(procedure)
    actor = Actor(user().username, today())
    try:
        if form["who"] not in ("staff", "link"):
            raise Refused("Choose who you are asking", "who")
        due = due_from(calendar, today(), form["days"])
        asked = (
            Asked(user=form["user"] or "\0none")
            if form["who"] == "staff"
            else Asked(name=form["name"], email=form["email"])
        )
        rows = ask(
            case,
            actor,
            asked,
            asks=form["asks"],
            question=form["question"],
            due=due,
            shares=form["shares"],
            files=chosen_files,
            accounts=[u.username for u in _askable()],
            case_files=[
                f["id"] for f in parts().store.evidence.files_of(case.ref) if f["scan"] in OPENABLE
            ],
        )
    except Refused as refusal:
        errors[refusal.about or "question"] = refusal.reason
        return render(
            "staff/request_new.html",
            title="Ask for a statement",
            **_form_context(case, form, errors),
        ), 400
    events.record(parts().store, parts().contract, rows)
    ident = rows[0]["value"]
    audit_log("request.ask", ref=case.ref, detail=ident)
    found = _refolded(case.ref).requests[ident]
    queued = _send_request(case, found)
    done = f"Request sent to {who_asked(found)}. Due by {found.due.strftime('%-d %B %Y')}."
    # The email is queued, not sent yet: the message worker sends it and tries again while
    # the mail server is down, and one that never goes is listed under messages not sent.
    if queued and found.to_user:
        done += (
            " The email to them is queued to send; they will also see the request when they"
            " sign in."
        )
    elif queued:
        done += (
            " The email with their link is waiting to send: if it cannot go, it is listed"
            " under messages not sent."
        )
    elif found.to_user:
        done += " The email could not be queued: they will see the request when they sign in."
    else:
        done += " The email with their link could not be queued: revoke this and ask again."
    flash(done)
    return redirect(url_for("staff.case", ref=case.ref) + "#requests", code=303)


def _refolded(ref):
    index().refresh()
    return index().get(ref)


def respond_path(secret: str, language: str) -> str:
    """The answer page's address for a link: in Welsh for a case whose language is Welsh (the
    page has the language switch)."""
    return f"{'/cy' if language == 'cy' else ''}/respond/{secret}"


def _send_request(case, found) -> bool:
    """Queue the email to the person asked in the message outbox: a link for someone without
    an account (the ``request_link`` message, in the case's language, when messages are on),
    else the staff page; the message worker sends it. False when it could not be queued (no
    address, email not set up, the outbox not written)."""
    ref = case.ref
    settings = parts().settings
    config = mail.email_settings(settings.raw)
    asked = ASKS.get(found.asks, found.asks).lower()
    me = user().name
    due = found.due.strftime("%-d %B %Y")
    if found.to_user:
        account = users().get(found.to_user)
        to = account.email if account else ""
        where = f"Answer from your requests page: {staff_url(settings)}/staff/requests"
    else:
        with links() as kept:
            secret = kept.make(found.ident, ref, expiry(found.due))
        link = f"{public_url()}{respond_path(secret, case.language)}"
        messenger = parts().messenger
        if messenger.config.enabled:
            try:
                messenger.queue([request_link_message(settings, case, found, me, link)])
            except (OSError, sqlite3.Error) as error:
                log.error("requests: link email not queued (%s)", type(error).__name__)
                return False
            audit_log("request.email_queued", ref=ref, detail=found.ident)
            return True
        to = found.to_email
        where = (
            f"Read what was shared with you and answer here: {link}\n\n"
            "The link is for you alone and works for this request only, until a little after "
            "the due date. Do not pass it on."
        )
    body = (
        f"{me} has asked you for {asked} about case {ref}, by {due}.\n\n{where}\n\n"
        "This email holds no personal details on purpose.\n"
    )
    queued = queue_staff_mail(
        settings.data_dir,
        config,
        [to],
        f"Case {ref}: {asked} needed by {due}",
        body,
        ref=ref,
        cause=found.ident,
        kind="request",
        sender=settings.contact.get("email", ""),
    )
    if queued:
        audit_log("request.email_queued", ref=ref, detail=found.ident)
    return bool(queued)


@blueprint.route("/cases/<ref>/requests/<ident>/<change>", methods=["POST"])
@need("officer", "manager")
def request_change(ref, ident, change):
    """Revoke a request's link, or withdraw the request."""
    case = visible_case(ref)
    if change not in ("revoke", "withdraw"):
        abort(404)
    actor = Actor(user().username, today())
    try:
        if change == "revoke":
            rows = revoke(case, actor, ident)
        else:
            rows = withdraw(case, actor, ident, request.form.get("reason", "")[:5000])
    except Refused as refusal:
        flash(refusal.reason, "refused")
        return redirect(url_for("staff.case", ref=case.ref) + "#requests", code=303)
    events.record(parts().store, parts().contract, rows)
    with links() as kept:
        kept.spend(ident)
    audit_log(f"request.{change}", ref=case.ref, detail=ident)
    flash("The link no longer works." if change == "revoke" else "Request withdrawn.")
    return redirect(url_for("staff.case", ref=case.ref) + "#requests", code=303)


# -- answering as a member of staff ---------------------------------------------------------


@blueprint.route("/requests")
def requests_list():
    """Requests for you to answer, and the requests you are waiting for."""
    me = user()
    mine = [
        (c, r) for c in index().open_cases() for r in outstanding(c) if r.to_user == me.username
    ]
    waiting = []
    if me.has("officer", "manager", "safeguarding_lead"):
        waiting = [
            (c, r)
            for c, r in outstanding_among(visible(me, index().open_cases(), confidential()))
            if r.asked_by == me.username or c.owner == me.username
        ]
    audit_log("requests.view", detail=f"for you {len(mine)}, waiting {len(waiting)}")
    return render(
        "staff/requests.html",
        title="Requests",
        mine=sorted(mine, key=lambda p: p[1].due),
        waiting=waiting,
        who=who_asked,
        asks=ASKS,
        today=today(),
    )


def _mine(ref: str, ident: str):
    case = index().get(ref)
    found = case.requests.get(ident) if case is not None else None
    if found is None or found.to_user != user().username or not found.outstanding:
        audit_log("request.denied", detail=ident[:40])
        abort(404)
    return case, found


def _shared(case, found) -> dict:
    submission = parts().store.find(case.ref) or {}
    service = parts().settings.service(case.service)
    view = shared_view(case, found, submission, service.name if service else "")
    rows = {r["id"]: r for r in parts().store.evidence.files_of(case.ref)}
    view["files"] = [
        {"id": i, "name": rows[i]["name"], "kind": KIND_NAMES.get(rows[i]["kind"], "File")}
        for i in view["files"]
        if i in rows and rows[i]["scan"] in OPENABLE
    ]
    return view


@blueprint.route("/requests/<ref>/<ident>", methods=["GET", "POST"])
def request_answer(ref, ident):
    case, found = _mine(ref, ident)
    view = _shared(case, found)
    page = {
        "title": "Answer a request",
        "view": view,
        "files_offered": scanner() is not None,
        "file_url": lambda i: url_for("staff.request_file", ref=ref, ident=ident, file_id=i),
    }
    if request.method == "GET":
        audit_log("request.open", ref=case.ref, detail=ident)
        return render("staff/request_answer.html", errors={}, text="", **page)
    text = request.form.get("answer", "")
    files, problems = [], []
    for upload in chosen_files(request.files.getlist("files")) if scanner() else []:
        name = safe_name(upload.filename)
        try:
            got = receive(upload, name)
        except Refusal as refusal:
            problems.append(f"{name} was not taken ({refusal.code.replace('_', ' ')}).")
            continue
        files.append(({**got.row, "added_by": user().username, "at": now()}, got.data))
        if got.row["scan"] == INFECTED:
            problems.append(f"{name} contains a virus: it is kept in quarantine.")
    if len(files) > limits().files:
        problems, files = [f"Add at most {limits().files} files."], []
    if problems and not files:
        return render(
            "staff/request_answer.html", errors={"files": " ".join(problems)}, text=text, **page
        ), 400
    try:
        record_answer(
            parts().store,
            parts().contract,
            case,
            Actor(user().username, today()),
            ident,
            text,
            files,
        )
    except Refused as refusal:
        return render(
            "staff/request_answer.html",
            errors={refusal.about or "answer": refusal.reason},
            text=text,
            **page,
        ), 400
    except (StoreWriteError, EvidenceDamaged, OSError, ValueError) as error:
        log.error("requests: answer not stored (%s)", type(error).__name__)
        return render(
            "staff/request_answer.html",
            errors={"answer": "Your answer could not be stored: try again."},
            text=text,
            **page,
        ), 503
    audit_log("request.answer", ref=case.ref, detail=ident)
    alert_officer(case, found, user().name)
    flash("Your answer has been sent." + (" " + " ".join(problems) if problems else ""))
    return redirect(url_for("staff.requests_list"), code=303)


def alert_officer(case, found, who: str) -> bool:
    """Queue the email to whoever asked (and the case's owner) that an answer came."""
    settings = parts().settings
    link = f"{staff_url(settings)}/staff/cases/{case.ref}#requests"
    accounts = (users().get(found.asked_by), users().get(case.owner))
    return bool(queue_answered_alert(settings, case, found, who, accounts, link))


@blueprint.route("/requests/<ref>/<ident>/files/<file_id>")
def request_file(ref, ident, file_id):
    """A file shared with the member of staff asked (and only one shared)."""
    case, found = _mine(ref, ident)
    if found.shares != "account_and_files" or file_id not in found.files:
        abort(404)
    return shared_file(case.ref, file_id, user().username)


def shared_file(ref: str, file_id: str, actor: str):
    """One shared file of the case, once it has passed the virus check; 404 otherwise."""
    row = next((r for r in parts().store.evidence.files_of(ref) if r["id"] == file_id), None)
    if row is None or row["scan"] not in OPENABLE:
        abort(404)
    try:
        data = parts().store.evidence.read(row)
    except EvidenceDamaged:
        abort(404)
    audit_log("request.file_download", ref=ref, fields=["evidence"], detail=file_id)
    return file_response(row, data)
