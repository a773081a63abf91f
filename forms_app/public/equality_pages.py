"""Equality monitoring's pages: optional questions about the person (age, sex, disability,
ethnic group, religion, sexual orientation, Welsh), offered once their feedback has been sent,
in every language and wording.

Where they sit in the journey, and why: the confirmation page of every journey says "Help us
check we treat everyone fairly (optional)" and links to ``/<journey>/equality``, which makes a
one-time offer (``forms_app.questionnaires.offers``) and sends the person on to
``/equality/<token>``. The questions come *after* sending, never as a page of the journey,
because then the answers never pass through the draft, check answers or intake, so no code
that handles the case ever holds them, and nothing could copy them into the case by mistake.
The offer names no case: the only thing joining it to the person is the token in their own
session cookie, which the server never writes down. The answers are kept by month only, apart
from identity and from the case (``forms_app.questionnaires.store``), are never shown to staff
handling a case, and are published only as protected totals (``forms_app.reports``).

Every question has "prefer not to say", and "Skip these questions" ends the offer keeping
nothing. A link that is wrong, used or out of date gets a page saying so, never an error;
posts carry a CSRF token and are rate limited like every public form; no JavaScript needed.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3

from flask import abort, g, redirect, request, session, url_for

from forms_app.journeys import JOURNEYS
from forms_app.questionnaires.answers import read
from forms_app.questionnaires.model import load
from forms_app.questionnaires.offers import Offers
from forms_app.questionnaires.store import OK
from forms_app.web.parts import parts

from . import ratelimit
from .journey_state import JourneyState
from .questionnaire_pages import question_page, route, secret_key, words_of
from .rendering import render

log = logging.getLogger(__name__)

QUESTIONNAIRE = "equality"
#: The session's note of the offer made for each kind of feedback sent: a hash of the sent
#: draft's key (so a new submission gets a new offer) and the link's token.
SESSION_KEY = "equality"


def _words() -> dict[str, str]:
    return words_of(QUESTIONNAIRE)


def offer(journey_slug: str) -> dict[str, str]:
    """What the confirmation page says to offer the questions: its words and the address."""
    words = _words()
    return {
        "heading": words["offer_heading"],
        "body": words["offer_body"],
        "link": words["offer_link"],
        "url": url_for("public.equality_start", journey=journey_slug),
    }


def _said(said: str, status: int, *, body: str = ""):
    """A page that only says something: thanks, skipped, or a link that is not right."""
    words = _words()
    return render(
        "public/questionnaire_said.html",
        questionnaire="equality",
        title=words[f"{said}_title"],
        body=body or words[f"{said}_body"],
        said=said,
        panel=said == "thanks",
    ), status


def _sent_marker(state: JourneyState) -> str:
    return hashlib.sha256(state.key.encode()).hexdigest()[:16]


@route("/<journey>/equality", "equality_start")
def equality_start(journey):
    """From the confirmation page: the offer made for this sending (one per sending, kept in
    the person's own session cookie, so coming back finds the same link)."""
    found = JOURNEYS.get(journey)
    if found is None:
        abort(404)
    state = JourneyState(found.kind)
    if not state.sent:
        return redirect(url_for("public.journey_start", journey=found.slug), code=303)
    marker = _sent_marker(state)
    made = dict(session.get(SESSION_KEY) or {})
    kept = made.get(found.kind)
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == marker:
        return redirect(url_for("public.equality", token=kept[1]), code=303)
    if not ratelimit.allowed("post"):
        return _said("bad", 429, body=_words()["too_many"])
    try:
        with Offers(parts().settings.data_dir, secret_key()) as offers:
            token = offers.make(QUESTIONNAIRE)
    except (OSError, sqlite3.Error) as error:
        log.error("equality: no offer made (%s)", type(error).__name__)
        return _said("bad", 503, body=_words()["not_saved"])
    made[found.kind] = [marker, token]
    session[SESSION_KEY] = made
    return redirect(url_for("public.equality", token=token), code=303)


def _is_open(token: str) -> bool:
    """Whether the link works, without making the answers file when there is none."""
    try:
        offers = Offers.existing(parts().settings.data_dir, secret_key())
        if offers is None:
            return False
        with offers:
            return offers.is_open(token, QUESTIONNAIRE)
    except (OSError, sqlite3.Error) as error:
        log.error("equality: link not checked (%s)", type(error).__name__)
        return False


def _form(token: str, status: int = 200, **shown):
    return question_page(
        QUESTIONNAIRE, "public/equality.html", "public.equality", token, status, **shown
    )


@route("/equality/<token>", "equality", methods=("GET", "POST"), says_nul=True)
def equality(token: str):
    if not _is_open(token):
        if request.method == "POST" and any("\x00" in v for v in request.form.values()):
            # No form to show again: refused as every other form refuses bytes no keyboard
            # types.
            abort(400)
        return _said("bad", 404)
    if request.method == "GET":
        return _form(token)
    questionnaire = load(QUESTIONNAIRE)
    skipping = "skip" in request.form
    reading = read(questionnaire, request.form, g.language, g.variant)
    if not ratelimit.allowed("post"):
        return _form(token, 429, typed=reading.typed, notice=_words()["too_many"])
    if reading.problems and not skipping:
        return _form(token, 400, typed=reading.typed, problems=reading.problems)
    try:
        with Offers(parts().settings.data_dir, secret_key()) as offers:
            outcome = offers.answer_offer(
                token,
                questionnaire.key,
                questionnaire.version,
                None if skipping else reading.answers,
            )
    except (OSError, sqlite3.Error) as error:
        log.error("equality: answers not kept (%s)", type(error).__name__)
        return _form(token, 503, typed=reading.typed, notice=_words()["not_saved"])
    if outcome != OK:
        return _said("bad", 404)
    done = "public.equality_skipped" if skipping else "public.equality_thanks"
    return redirect(url_for(done), code=303)


@route("/equality/thank-you", "equality_thanks")
def equality_thanks():
    return _said("thanks", 200)


@route("/equality/skipped", "equality_skipped")
def equality_skipped():
    return _said("skipped", 200)
