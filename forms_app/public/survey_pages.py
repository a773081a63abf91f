"""The satisfaction survey's pages (``/survey/<token>``, in every language and wording): the
questions about how the case was handled, one post, then a thank-you page.

The way in is a link holding a one-time token: in the "closed" message (the messenger is given
an ``Inviter`` when the pages are registered), or made afresh from the tracking page once the
case is closed (``/track/survey``). The answers are kept apart from the case
(``forms_app.questionnaires.store``). A link that is wrong, has run out or has been used gets a
page saying so, never an error; posts carry a CSRF token and are rate limited like every public
form; the pages work without JavaScript.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import abort, g, redirect, request, url_for

from forms_app.questionnaires.answers import read
from forms_app.questionnaires.inviting import Inviter
from forms_app.questionnaires.model import load
from forms_app.questionnaires.store import OK, USED, Answers
from forms_app.web.parts import EXTENSION, case_index, parts

from . import ratelimit
from .prefixes import prefixes
from .questionnaire_pages import question_page, route, secret_key, words_of
from .rendering import render
from .tracking_pages import _tracked_ref
from .views import blueprint

log = logging.getLogger(__name__)

QUESTIONNAIRE = "satisfaction"


@blueprint.record_once
def _offer_in_messages(setup) -> None:
    """Give the messenger the survey's link for the "closed" message: the public site's
    address (``form_url``) with the person's language and wording in it."""
    app = setup.app
    app_parts = app.extensions[EXTENSION]
    ways_in = {(language, variant): prefix for prefix, language, variant in prefixes()}
    base = app_parts.settings.form_url

    def address(token: str, language: str, wording: str) -> str:
        prefix = ways_in.get((language, wording), "")
        return f"{base}{prefix}/survey/{token}"

    app_parts.messenger.survey = Inviter(
        app_parts.settings.data_dir, app.config["SECRET_KEY"], QUESTIONNAIRE, address
    )


def _words() -> dict[str, str]:
    return words_of(QUESTIONNAIRE)


def _said(said: str, status: int, *, panel: bool = False, body: str = ""):
    """A page that only says something: thanks, already answered, or a link that is not right."""
    words = _words()
    return render(
        "public/questionnaire_said.html",
        questionnaire="survey",
        title=words[f"{said}_title"],
        body=body or words[f"{said}_body"],
        said=said,
        panel=panel,
        words=words,
        track_url="" if said == "thanks" else url_for("public.track"),
    ), status


def _status(token: str) -> str:
    """OK, USED, UNKNOWN or EXPIRED, without making the store's file when there is none."""
    try:
        answers = Answers.existing(parts().settings.data_dir, secret_key())
        if answers is None:
            return "unknown"
        with answers:
            return answers.check(token)[0]
    except (OSError, sqlite3.Error) as error:
        log.error("survey: link not checked (%s)", type(error).__name__)
        return "unknown"


def _form(token: str, status: int = 200, **shown):
    return question_page(
        QUESTIONNAIRE, "public/survey.html", "public.survey", token, status, **shown
    )


@route("/survey/<token>", "survey", methods=("GET", "POST"), says_nul=True)
def survey(token: str):
    status = _status(token)
    if status != OK and request.method == "POST" and _holds_nul():
        # No form to show again: refused as every other form refuses bytes no keyboard types.
        abort(400)
    if status == USED:
        return _said("used", 410)
    if status != OK:
        return _said("bad", 404)
    if request.method == "GET":
        return _form(token)
    questionnaire = load(QUESTIONNAIRE)
    reading = read(questionnaire, request.form, g.language, g.variant)
    if not ratelimit.allowed("post"):
        return _form(token, 429, typed=reading.typed, notice=_words()["too_many"])
    if reading.problems:
        return _form(token, 400, typed=reading.typed, problems=reading.problems)
    try:
        with Answers(parts().settings.data_dir, secret_key()) as answers:
            outcome = answers.answer(
                token, questionnaire.key, questionnaire.version, reading.answers
            )
    except (OSError, sqlite3.Error) as error:
        log.error("survey: answers not kept (%s)", type(error).__name__)
        return _form(token, 503, typed=reading.typed, notice=_words()["not_saved"])
    if outcome == USED:
        return _said("used", 410)
    if outcome != OK:
        return _said("bad", 404)
    return redirect(url_for("public.survey_thanks"), code=303)


def _holds_nul() -> bool:
    return any("\x00" in value for value in request.form.values())


@route("/survey/thank-you", "survey_thanks")
def survey_thanks():
    return _said("thanks", 200, panel=True)


def offer(ref: str) -> dict:
    """What the tracking page of a closed case says about the survey: its words, and whether
    the case has answered already (then there is no button)."""
    words = _words()
    answered = False
    try:
        answers = Answers.existing(parts().settings.data_dir)
        if answers is not None:
            with answers:
                answered = answers.answered(QUESTIONNAIRE, ref)
    except (OSError, sqlite3.Error) as error:
        log.error("survey: not known whether answered (%s)", type(error).__name__)
    return {
        "heading": words["offer_heading"],
        "body": words["offer_used"] if answered else words["offer_body"],
        "button": "" if answered else words["offer_button"],
    }


@route("/track/survey", "track_survey", methods=("POST",))
def track_survey():
    """From the tracking page of a closed case: a new link (the one in the message, if any,
    stops working), or the page saying the case has answered already."""
    ref = _tracked_ref()
    case = case_index().get(ref) if ref else None
    if case is None:
        return redirect(url_for("public.track", again=1), code=303)
    if case.status != "closed":
        return redirect(url_for("public.track_case"), code=303)
    if not ratelimit.allowed("post"):
        return _said("bad", 429, body=_words()["too_many"])
    try:
        with Answers(parts().settings.data_dir, secret_key()) as answers:
            token = answers.reissue(QUESTIONNAIRE, ref)
    except (OSError, sqlite3.Error) as error:
        log.error("survey: no link made (%s)", type(error).__name__)
        return redirect(url_for("public.track_case"), code=303)
    if token is None:
        return _said("used", 410)
    return redirect(url_for("public.survey", token=token), code=303)
