"""The tracking page (``/track``, ``/cy/track``, in every wording): the person gives their
reference, then the one-time code sent to them or the tracking secret shown when they sent
their feedback, and sees where their case stands; from there they can send a message, add
files (photos, scanned letters, documents: checked and scanned as on the journey's file page)
or ask for the next stage.

Nobody learns from these pages whether a reference is a case: asking for a code answers the
same for every well-formed reference ("if this reference is ours, we have sent a code"), and
trying codes goes the same way too (``forms_app.tracking.access`` keeps a code row for every
reference asked about). Asking and trying are rate limited per network (an IPv6 /64 counts as
one) and per reference. The only thing kept in the browser is the signed session cookie the
public pages already use, naming the one case for ``SESSION_MINUTES``.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import time
from datetime import date

from flask import abort, g, redirect, request, session, url_for

from forms_app.casework.transitions import Refused, owners_among
from forms_app.evidence import INFECTED
from forms_app.messages.outbox import Outbox
from forms_app.storage.references import normalise_reference
from forms_app.storage.store import StoreWriteError
from forms_app.tracking import case_view, conversation
from forms_app.tracking.access import CODE_MINUTES, LOCKED, OK, WRONG, Access
from forms_app.tracking.words import say, words
from forms_app.web.hosts import staff_url
from forms_app.web.parts import case_index, parts
from forms_app.web.security import explains_nul
from forms_app.web.uploads import limits, now, register_too_large_page, scanner

from . import file_pages
from .govuk_params import character_count_texts
from .prefixes import add_prefixed_rule
from .ratelimit import RateLimiter, Rule, client_address, open_limiter
from .rendering import render
from .views import blueprint

log = logging.getLogger(__name__)

SESSION_KEY = "track"
SESSION_MINUTES = 30
#: Per network: references asked about and codes tried, together. Per reference: new codes
#: sent (so nobody can fill a person's inbox) and codes tried.
RULES = {
    "track_address": Rule("track_address", 30, 900),
    "track_reference": Rule("track_reference", 3, 900),
}
#: The files a person may add to one case, from the journey and the tracking page together, as
#: a number of one upload's limit: enough for a long complaint, but not without end.
CASE_FILES_UPLOADS = 3
FILES_FIELD = "files"


def _asked_first(view):
    """Posts to the pages after the first need a tracking session; without one, a form holding
    bytes no keyboard types (NUL) is refused as on every other form, not sent back to start."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        if (
            request.method == "POST"
            and request.endpoint != "public.track"
            and not session.get(SESSION_KEY)
            and any("\x00" in value for value in request.form.values())
        ):
            abort(400)
        return view(*args, **kwargs)

    return guarded


def _route(rule: str, endpoint: str, methods=("GET",)):
    def decorator(view):
        # Each of these views says kindly which field holds a NUL (or, for a reference or
        # code, that it is not right), keeping what was typed.
        add_prefixed_rule(blueprint, rule, endpoint, explains_nul(_asked_first(view)), methods)
        return view

    return decorator


def _limiter() -> RateLimiter:
    from flask import current_app

    limiter = current_app.extensions.get("tracking_ratelimit")
    if limiter is None:
        settings = parts().settings
        section = settings.raw.get("tracking") or {}
        rules = dict(RULES)
        for name, rule in RULES.items():
            spec = (section.get("rate_limits") or {}).get(name) if isinstance(section, dict) else 0
            if isinstance(spec, dict):
                rules[name] = Rule(
                    name, int(spec.get("limit", rule.limit)), int(spec.get("seconds", rule.seconds))
                )
        limiter = open_limiter(current_app.config["SECRET_KEY"], rules)
        current_app.extensions["tracking_ratelimit"] = limiter
    return limiter


def _access() -> Access:
    from flask import current_app

    return Access(parts().settings.data_dir, current_app.config["SECRET_KEY"])


def _words() -> dict[str, str]:
    return words(g.language, g.variant)


def _say(key: str, **values) -> str:
    return say(g.language, g.variant, key, **values)


def _page(template: str, status: int = 200, **context):
    return render(template, words=_words(), **context), status


def _reference(text: str) -> str | None:
    return normalise_reference(text) if isinstance(text, str) and len(text) <= 100 else None


# -- the tracking secret, shown once on the confirmation page ----------------------------------

SHOWN_SECRET = "track_secret"  # the session key holding it until shown


def make_secret(ref: str) -> str:
    """Make the case's tracking secret and keep it in the session until the confirmation page
    shows it; returned for the acknowledgement letter. Never stops the submission: without a
    secret ("" returned), the code still works."""
    try:
        with _access() as access:
            secret = access.make_secret(ref)
    except (OSError, sqlite3.Error) as error:
        log.error("tracking: secret not made (%s)", type(error).__name__)
        return ""
    if secret:
        session[SHOWN_SECRET] = {"ref": ref, "secret": secret}
    return secret or ""


def take_secret(ref: str) -> str:
    """The secret made for ``ref`` if it has not been shown yet, taken out of the session."""
    held = session.get(SHOWN_SECRET)
    if not isinstance(held, dict) or held.get("ref") != ref:
        return ""
    session.pop(SHOWN_SECRET, None)
    return str(held.get("secret") or "")


def page_words() -> dict[str, str]:
    return _words()


# -- asking for a code --------------------------------------------------------------------------


@_route("/track", "track", methods=("GET", "POST"))
def track():
    said = _words()
    if request.method == "GET":
        notice = said["again"] if request.args.get("again") else ""
        return _page(
            "public/track.html", title=said["title_start"], typed="", problem="", notice=notice
        )
    typed = request.form.get("reference", "")
    typed = typed if isinstance(typed, str) else ""
    ref = _reference(typed)
    if ref is None:
        # Checked before the limit is counted: a reference that cannot be one costs nothing
        # and tells nothing, and the person is told what is wrong with what they typed.
        return _page(
            "public/track.html",
            400,
            title=said["title_start"],
            typed=typed[:100],
            problem=said["error_reference"],
        )
    if not _limiter().hit("track_address", client_address()):
        return _page(
            "public/track.html",
            429,
            title=said["title_start"],
            typed=typed[:100],
            notice=said["too_many"],
            problem="",
        )
    _send_code(ref)
    session[SESSION_KEY] = {"pending": ref}
    return redirect(url_for("public.track_code"), code=303)


def _send_code(ref: str) -> None:
    """Make a code for ``ref`` and send it if the reference is a case with a contact. The same
    work is done for a reference that is not ours (its code goes nowhere)."""
    if not _limiter().hit("track_reference", "reference:" + ref):
        return  # codes asked for this reference lately: the last one still works
    try:
        with _access() as access:
            code = access.make_code(ref)
        submission = parts().store.find(ref)
        if submission is None or submission.get("channel") == "import":
            return
        messenger = parts().messenger
        messenger.queue(
            messenger.tracking_code(
                submission, parts().store.find_personal(ref), code, CODE_MINUTES
            )
        )
    except (OSError, sqlite3.Error, ValueError, KeyError) as error:
        # The page says the same either way; the person can ask again.
        log.error("tracking: code not made or queued (%s)", type(error).__name__)


# -- trying a code or secret ------------------------------------------------------------------


@_route("/track/code", "track_code", methods=("GET", "POST"))
def track_code():
    said = _words()
    pending = (session.get(SESSION_KEY) or {}).get("pending")
    if not pending:
        return redirect(url_for("public.track"))
    context = {
        "title": said["title_code"],
        "sent": _say("sent", minutes=CODE_MINUTES),
        "reference": pending,
        "problem": "",
    }
    if request.method == "GET":
        return _page("public/track_code.html", **context)
    typed = request.form.get("code", "")
    typed = typed if isinstance(typed, str) else ""
    if not _limiter().hit("track_address", client_address()):
        return _page("public/track_code.html", 429, notice=said["too_many"], **context)
    if not typed.strip():
        return _page(
            "public/track_code.html", 400, **{**context, "problem": said["error_code_empty"]}
        )
    try:
        with _access() as access:
            attempt = access.attempt(pending, typed[:100])
    except (OSError, sqlite3.Error) as error:
        log.error("tracking: code not checked (%s)", type(error).__name__)
        return _page("public/track_code.html", 503, notice=said["too_many"], **context)
    if attempt.outcome == OK:
        submission = parts().store.find(pending)
        if submission is None:
            abort(404)  # a code for a reference that is not ours can never have been read
        session[SESSION_KEY] = {"ref": pending, "until": time.time() + SESSION_MINUTES * 60}
        language = submission.get("language") or "en"
        variant = submission.get("variant") or "standard"
        return redirect(url_for("public.track_case", lang=language, variant=variant), code=303)
    if attempt.outcome == WRONG:
        problem = _say("error_wrong", tries=attempt.tries_left)
    elif attempt.outcome == LOCKED:
        problem = said["error_locked"]
    else:
        problem = said["error_expired"]
    return _page("public/track_code.html", 400, **{**context, "problem": problem})


# -- the case ------------------------------------------------------------------------------------


def _tracked_ref() -> str | None:
    held = session.get(SESSION_KEY) or {}
    ref, until = held.get("ref"), held.get("until", 0)
    if not ref or not isinstance(until, (int, float)) or until < time.time():
        return None
    return ref


def _case_page(
    status: int = 200,
    *,
    done: str = "",
    problems: dict | None = None,
    typed=None,
    file_problems=(),
):
    ref = _tracked_ref()
    if ref is None:
        session.pop(SESSION_KEY, None)
        return redirect(url_for("public.track", again=1))
    case = case_index().get(ref)
    if case is None:
        session.pop(SESSION_KEY, None)
        return redirect(url_for("public.track", again=1))
    index = case_index()
    procedure = index.procedure_for(case.procedure)
    calendar = index.calendar_for(procedure)
    today = date.today()
    due = index.deadline(case, today)[0]
    messages = []
    path = parts().messenger.path
    if path.exists():
        with Outbox(path) as outbox:
            messages = outbox.for_refs([ref])
    view = case_view.build(
        case,
        procedure=procedure,
        calendar=calendar,
        due=due,
        messages=messages,
        files=parts().store.evidence.files_of(ref),
        today=today,
        language=g.language,
        wording=g.variant,
    )
    limit = conversation.reply_limit(parts().contract, parts().settings.raw)
    said = _words()
    notice = ""
    if done == "reply":
        notice = said["reply_sent"]
    elif done == "escalate" and view.stage:
        notice = _say("escalate_sent", stage=view.stage)
    elif done == "files":
        notice = said["files_added"]
    problems = problems or {}
    summary = [{"text": text, "href": f"#{FILES_FIELD}"} for text in file_problems]
    summary += [{"text": text, "href": f"#{name}"} for name, text in problems.items()]
    from .survey_pages import offer  # the survey's pages join the blueprint after these

    return _page(
        "public/track_case.html",
        status,
        title=said["title_case"],
        view=view,
        limit=limit,
        reply_hint=_say("reply_hint", limit=limit),
        count_texts=character_count_texts(),
        notice=notice,
        problems=summary,
        errors=problems,
        typed=typed or {},
        contact_phone=(parts().settings.contact or {}).get("phone", ""),
        escalation_url=procedure.escalation.get("url", ""),
        files=_files_section(ref, file_problems),
        survey=offer(ref) if view.survey else None,
    )


def _files_section(ref: str, problems) -> dict | None:
    """The form for adding files on the case page: the limits in words and the first problem
    for the field; None when files are not taken here (no scanner is configured). The files
    already sent are listed from the case view whether or not a scanner is configured."""
    if scanner() is None:
        return None
    context = file_pages.limits_context()
    return {
        "intro": _say("files_intro", **context),
        "error": problems[0] if problems else None,
    }


@_route("/track/case", "track_case")
def track_case():
    done = request.args.get("done", "")
    return _case_page(done=done if done in ("reply", "escalate", "files") else "")


@_route("/track/reply", "track_reply", methods=("POST",))
def track_reply():
    ref = _tracked_ref()
    case = case_index().get(ref) if ref else None
    if case is None:
        return _case_page()
    text = request.form.get("message", "")
    text = text if isinstance(text, str) else ""
    limit = conversation.reply_limit(parts().contract, parts().settings.raw)
    problem = conversation.text_problem(text, limit)
    if problem is None and not _limiter().hit("track_address", client_address()):
        problem = "busy"
    if problem is not None:
        message = {
            "empty": _say("error_reply_empty"),
            "bad": _say("error_reply_bad"),
            "long": _say("error_reply_long", limit=limit, length=len(text)),
            "busy": _say("too_many"),
        }[problem]
        kept = text.replace("\x00", "")
        return _case_page(400, problems={"message": message}, typed={"message": kept})
    try:
        done = conversation.reply(parts().store, parts().contract, case, text, date.today())
    except (Refused, StoreWriteError, OSError, ValueError) as error:
        log.error("tracking: reply not stored (%s)", type(error).__name__)
        return _case_page(503, problems={"message": _say("too_many")}, typed={"message": text})
    _alert(case, done, "sent a message")
    return redirect(url_for("public.track_case", done="reply"), code=303)


@_route("/track/files", "track_add_files", methods=("POST",))
def track_add_files():
    """The person adds files to their case: each checked and scanned as on the journey's file
    page, stored with the case, and a case event staff see and are alerted to."""
    ref = _tracked_ref()
    case = case_index().get(ref) if ref else None
    if case is None or scanner() is None:
        return _case_page()
    if not _limiter().hit("track_address", client_address()):
        return _case_page(429, file_problems=[_say("too_many")])
    chosen = limits()
    most = chosen.files * CASE_FILES_UPLOADS
    theirs = [r for r in parts().store.evidence.files_of(ref) if r["added_by"] == "person"]
    left = most - len(theirs)
    received, problems = file_pages.examine(
        request.files.getlist(FILES_FIELD),
        files_left=min(chosen.files, left),
        bytes_left=chosen.total_bytes,
        most_files=chosen.files if left >= chosen.files else most,
    )
    if not received and not problems:
        problems = [_say("files_none")]
    at = now()
    files = [({**got.row, "added_by": "person", "at": at}, got.data) for got in received]
    try:
        done = conversation.add_files(parts().store, parts().contract, case, files, date.today())
    except (Refused, StoreWriteError, OSError, ValueError) as error:
        log.error("tracking: files not stored (%s)", type(error).__name__)
        return _case_page(503, file_problems=[_say("files_not_stored")])
    added = any(row["scan"] != INFECTED for row, _data in files)
    if added:
        _alert(case, done, "added files")
    if problems:
        return _case_page(400, file_problems=problems, done="files" if added else "")
    return redirect(url_for("public.track_case", done="files") + "#add-files", code=303)


def _files_too_large():
    """A request to add files over the upload limit: the case page again, saying so (413)."""
    if _tracked_ref() is None or scanner() is None:
        return None
    problem = file_pages.file_problem("total_too_large", "")
    return _case_page(413, file_problems=[problem])


@blueprint.record_once
def _register_too_large_page(setup) -> None:
    register_too_large_page(setup.app, "public.track_add_files", _files_too_large)


@_route("/track/escalate", "track_escalate", methods=("POST",))
def track_escalate():
    ref = _tracked_ref()
    case = case_index().get(ref) if ref else None
    if case is None:
        return _case_page()
    text = request.form.get("reasons", "")
    text = text if isinstance(text, str) else ""
    limit = conversation.reply_limit(parts().contract, parts().settings.raw)
    problem = conversation.text_problem(text, limit)
    if problem is not None:
        message = {
            "empty": _say("error_escalate_empty"),
            "bad": _say("error_reply_bad"),
            "long": _say("error_reply_long", limit=limit, length=len(text)),
        }[problem]
        kept = text.replace("\x00", "")
        return _case_page(400, problems={"reasons": message}, typed={"reasons": kept})
    index = case_index()
    procedure = index.procedure_for(case.procedure)
    from forms_app.accounts.users import UserBook

    owners = owners_among(UserBook(parts().settings.data_dir).all())
    try:
        done = conversation.escalate(
            parts().store,
            parts().contract,
            case,
            text,
            procedure=procedure,
            calendar=index.calendar_for(procedure),
            owners=owners,
            messenger=parts().messenger,
            today=date.today(),
        )
    except Refused:
        return _case_page(
            400, problems={"reasons": _say("error_escalate_refused")}, typed={"reasons": text}
        )
    except (StoreWriteError, OSError, ValueError) as error:
        log.error("tracking: request for the next stage not stored (%s)", type(error).__name__)
        return _case_page(503, problems={"reasons": _say("too_many")}, typed={"reasons": text})
    _alert(case, done, "asked for the next stage")
    return redirect(url_for("public.track_case", done="escalate"), code=303)


@_route("/track/finish", "track_finish", methods=("POST",))
def track_finish():
    session.pop(SESSION_KEY, None)
    return redirect(url_for("public.track"), code=303)


def _alert(case, done: conversation.Done, what: str) -> None:
    """Tell the case's owner by email (queued in the message outbox), when there is an owner
    and an email server."""
    from forms_app.accounts.users import UserBook

    settings = parts().settings
    owner = UserBook(settings.data_dir).get(case.owner) if case.owner else None
    if owner is None or not owner.email:
        return
    link = f"{staff_url(settings)}/staff/cases/{case.ref}"
    conversation.alert_owner(
        settings.data_dir,
        settings.raw,
        owner.email,
        done,
        link,
        what,
        (settings.contact or {}).get("email", ""),
    )
