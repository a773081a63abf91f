"""The public pages: choose what to do, answer a journey's questions, check, send, confirm."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from datetime import UTC, date, datetime

from flask import Blueprint, abort, current_app, g, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from forms_app.journeys import JOURNEYS
from forms_app.journeys.answers import read_page
from forms_app.journeys.model import Journey, Page
from forms_app.journeys.pages.evidence import OFFERED_SETTING
from forms_app.journeys.wording import say
from forms_app.procedures.profiles import load_procedure, local_date
from forms_app.storage.drafts import DraftRefused, TooManyDrafts
from forms_app.storage.store import StoreWriteError
from forms_app.web.parts import parts
from forms_app.web.templating import localised
from forms_app.web.uploads import register_too_large_page, scanner

from . import file_pages, honeypot, ratelimit
from .govuk_params import answer_text, field_params
from .intake import Context, IncompleteAnswers, build_rows, first_unanswered
from .journey_state import JourneyState, over_limit
from .prefixes import LANGUAGES, add_prefixed_rule, install
from .rendering import render, render_kept

log = logging.getLogger(__name__)

blueprint = Blueprint("public", __name__)
install(blueprint)

CHECK = "check-your-answers"


@blueprint.record_once
def _offer_files(setup) -> None:
    """Files are offered on the journeys only when a scanner is configured (web.uploads)."""
    with setup.app.app_context():
        setup.app.config.setdefault(OFFERED_SETTING, scanner() is not None)
    register_too_large_page(setup.app, "public.add_files", file_pages.too_large)


def _route(rule: str, endpoint: str, methods=("GET",)):
    def decorator(view):
        add_prefixed_rule(blueprint, rule, endpoint, view, methods)
        return view

    return decorator


def _journey(slug: str) -> Journey:
    journey = JOURNEYS.get(slug)
    if journey is None:
        abort(404)
    return journey


def _url(endpoint: str, **values) -> str:
    """``url_for`` a public page, remembered: a page's address in a language and wording never
    changes while the process runs, and working it out costs more than serving a kept page."""
    key = (endpoint, *values.items(), g.language, g.variant, request.script_root)
    urls = current_app.extensions.setdefault("public_urls", {})
    url = urls.get(key)
    if url is None:
        if len(urls) > KEPT_URLS:  # only ever a few hundred; a bound all the same
            urls.clear()
        url = urls[key] = url_for(endpoint, **values)
    return url


KEPT_URLS = 4096
DATE_FORMAT = "EEEE d MMMM yyyy"


def hear_back_dates(kind: str, received: datetime, procedure: str = "") -> dict[str, str | None]:
    """When someone who sent ``kind`` at ``received`` should hear back under ``procedure`` (its
    code; empty: the default), in the page's language (None where nothing is promised). The
    dates depend only on these and the UK day it came in, so they are worked out once a day."""
    key = (kind, local_date(received), g.language, procedure)
    kept = current_app.extensions.setdefault("hear_back_dates", {})
    dates = kept.get(key)
    if dates is None:
        due = parts().hear_back_by(kind, received, procedure)
        dates = {
            name: format_date(value, DATE_FORMAT) if value else None for name, value in due.items()
        }
        if len(kept) > KEPT_URLS:
            kept.clear()
        kept[key] = dates
    return dates


def wording_context(kind: str | None = None) -> dict:
    """Values that fill ``{placeholders}`` in the journeys' words."""
    settings = parts().settings
    pals, advocacy = localised(settings.pals), localised(settings.advocacy)
    context = {
        "org_name": localised(settings.organisation)["name"],
        "pals_phone": pals.get("phone", ""),
        "pals_hours": pals.get("opening_hours", ""),
        "contact_phone": localised(settings.contact).get("phone", ""),
        "advocacy_name": advocacy.get("name", ""),
        "advocacy_phone": advocacy.get("phone", ""),
        "young_advocacy_name": advocacy.get("young_people_name") or advocacy.get("name", ""),
        "young_advocacy_phone": advocacy.get("young_people_phone") or advocacy.get("phone", ""),
    }
    if kind:
        due = hear_back_dates(kind, datetime.now(UTC))
        for name in ("acknowledge", "respond"):
            context[f"{name}_by"] = due[name] or ""
        context["respond_promise"] = (
            _("We aim to give you a full response by %(date)s.", date=context["respond_by"])
            if due["respond"]
            else _("We will agree with you how long it should take to respond in full.")
        )
    return context


@_route("/", "start")
def start():
    choices = [
        {
            "url": url_for("public.journey_start", journey=journey.slug),
            "name": journey.name.get(g.variant),
            "description": say(g.variant, journey.start_body[0]),
        }
        for journey in JOURNEYS.values()
    ]
    return render(
        "public/start.html",
        title=_("Give feedback"),
        choices=choices,
        versions=_other_versions(),
    )


def _other_versions() -> list[dict]:
    """Links to the start page in the other wordings, and in the other language."""
    names = {
        "standard": _("Standard version"),
        "easy-read": _("Easy read version"),
        "young-people": _("Version for children and young people"),
    }
    versions = [
        {"url": url_for("public.start", variant=variant), "name": name, "lang": None}
        for variant, name in names.items()
        if variant != g.variant
    ]
    other = "en" if g.language == "cy" else "cy"
    versions.append(
        {
            "url": url_for("public.start", lang=other, variant=g.variant),
            "name": "English" if other == "en" else "Cymraeg",
            "lang": other,
        }
    )
    return versions


@_route("/<journey>/", "journey_start")
def journey_start(journey):
    journey = _journey(journey)
    state = JourneyState(journey.kind)
    if state.sent:
        state.start_again()
        # Nothing typed yet: if the disk cannot take it, the next page's save says so.
        with contextlib.suppress(DraftRefused, OSError):
            state.save()
    context = wording_context(journey.kind)
    first = journey.shown_pages(state.answers)[0]
    return render(
        "public/journey_start.html",
        title=journey.start_title.get(g.variant, context),
        body=[text.get(g.variant, context) for text in journey.start_body],
        show_danger=journey.kind in ("complaint", "concern", "enquiry")
        or g.variant == "young-people",
        next_url=_page_url(journey, first),
        back_url=url_for("public.start"),
    )


_route("/<journey>/add-files", "add_files", methods=("GET", "POST"))(file_pages.add_files)


@_route("/<journey>/<page>", "page", methods=("GET", "POST"))
def page(journey, page):
    journey = _journey(journey)
    if page == CHECK:
        return check_answers(journey)
    step = journey.page(page)
    if step is None:
        abort(404)
    state = JourneyState(journey.kind)
    if state.sent:
        return redirect(_url("public.confirmation", journey=journey.slug))
    if not step.is_shown(state.answers):
        # Reached by an old link after an answer changed: go where the journey goes now.
        return redirect(_next_url(journey, state, step))
    if not step.questions:
        return _content_page(journey, state, step)
    if request.method == "POST":
        answers, problems = read_page(
            step,
            request.form,
            state.answers,
            contract=parts().contract,
            service_codes=parts().service_codes,
            today=date.today(),
        )
        if not ratelimit.allowed("post"):
            # Too many pages from this address: keep everything typed, ask them to wait.
            return render_question_page(
                journey, step, {**state.answers, **answers}, problems, _rate_notice(), state
            ), 429
        # An answer longer than its field allows is never stored, not even for a moment: it
        # is what someone filling the disk would send.
        too_long = over_limit(step, answers)
        for name in too_long:
            problems.setdefault(name, "maxLength")
        switch_to = request.form.get("switch_language")
        if switch_to in LANGUAGES and not too_long:
            # Keep everything typed, even answers with problems: the check before sending
            # sends the person back to any answer that still needs fixing.
            state.keep(answers, problems)
            return _kept(journey, step, state, answers, problems) or redirect(
                _same_page_in(switch_to)
            )
        if not problems:
            state.keep(answers)
            return _kept(journey, step, state, answers, problems) or redirect(
                _next_url(journey, state, step)
            )
        return render_question_page(
            journey, step, {**state.answers, **answers}, problems, state=state
        ), 400
    return render_question_page(journey, step, state.answers, {}, state=state)


def _kept(journey: Journey, step: Page, state: JourneyState, answers, problems):
    """Save the draft: None once saved, else the page again with everything typed on it and
    a plain word on why it was not kept."""
    try:
        state.save()
    except TooManyDrafts:
        notice, status = _too_many_notice(), 429
    except OSError as error:
        # The error's name only: its message can hold a file name, never an answer, but keep
        # the line short and the same for every case.
        log.warning("draft not saved: %s", type(error).__name__)
        notice, status = _not_saved_notice(), 503
    else:
        return None
    return render_question_page(
        journey, step, {**state.answers, **answers}, problems, notice, state
    ), status


def _not_saved_notice() -> str:
    return _(
        "We could not save your feedback just now. Nothing you typed is lost: your answers "
        "are below. Please try again in a few minutes."
    )


def _too_many_notice() -> str:
    return _(
        "We cannot keep answers between pages for your network just now, because a great "
        "many forms have been started from it. Your answers on this page are below, but they "
        "will not be kept if you leave the page. Please try again in a few hours, or contact us "
        "another way."
    )


def render_question_page(journey: Journey, step: Page, answers, problems, notice=None, state=None):
    """Draw a question page with the given answers and problems (also used after a lost
    session, so the person's text is never thrown away)."""
    context = wording_context()
    settings = parts().settings
    contract = parts().contract
    shown = [q for q in step.questions if q.is_shown(answers)]
    # GOV.UK: the first question's label is the page's heading, unless the page has its own.
    label_is_heading = step.heading_is_label
    fields, summary = [], []
    for index, question in enumerate(shown):
        problem = problems.get(question.name)
        field = field_params(
            question,
            answers.get(question.name, ""),
            problem,
            settings=settings,
            variant=g.variant,
            context=context,
            is_page_heading=label_is_heading and index == 0,
            max_length=contract.field(question.resource, question.name)
            .get("constraints", {})
            .get("maxLength"),
        )
        fields.append(field)
        if problem:
            anchor = question.name + ("-day" if question.widget == "date" else "")
            summary.append({"text": field["params"]["errorMessage"]["text"], "href": f"#{anchor}"})
    # The caller usually has the person's state already: don't read the draft twice.
    state = state or JourneyState(journey.kind)
    previous = journey.previous_page(step.slug, state.answers)
    return render(
        "public/question.html",
        picture=step.picture,
        title=step.title.get(g.variant, context),
        intro=say(g.variant, step.intro, context),
        heading_is_label=label_is_heading,
        journey_name=journey.name.get(g.variant),
        fields=fields,
        problems=summary,
        notice=notice,
        action=request.full_path.rstrip("?") if request.query_string else request.path,
        back_url=(
            _page_url(journey, previous)
            if previous
            else url_for("public.journey_start", journey=journey.slug)
        ),
    )


def _content_page(journey: Journey, state: JourneyState, step: Page):
    context = wording_context()
    previous = journey.previous_page(step.slug, state.answers)
    return render(
        "public/content_page.html",
        picture=step.picture,
        title=step.title.get(g.variant, context),
        body=[text.get(g.variant, context) for text in step.body],
        journey_name=journey.name.get(g.variant),
        next_url=_next_url(journey, state, step),
        back_url=_page_url(journey, previous) if previous else None,
    )


def check_answers(journey: Journey):
    state = JourneyState(journey.kind)
    if state.sent:
        return redirect(_url("public.confirmation", journey=journey.slug))
    if request.method == "POST":
        if not ratelimit.allowed("send"):
            # The answers are kept in the draft; the page shows them all again.
            return _render_check(journey, state, 429, notice=_rate_notice())
        # build_rows checks every answer against the schema and says which page to go back
        # to, so they are not checked twice.
        return _send(journey, state)
    missing = first_unanswered(journey, state.answers, parts().contract, unchecked=state.unchecked)
    if missing is not None:
        return redirect(_page_url(journey, missing))
    return _render_check(journey, state)


def _rate_notice() -> str:
    return _(
        "We have had a lot of forms from your network in the last few minutes, so we could "
        "not accept this one yet. Your answers are kept below: wait a few minutes, then try again."
    )


def _render_check(journey: Journey, state: JourneyState, status: int = 200, notice=None):
    context = wording_context()
    settings = parts().settings
    rows = []
    for step in journey.shown_pages(state.answers):
        for question in step.questions:
            if not question.is_shown(state.answers):
                continue
            label = question.label.get(g.variant, context)
            rows.append(
                {
                    "key": {"text": label, "name": question.name},
                    "value": {
                        "text": answer_text(
                            question,
                            state.answers.get(question.name, ""),
                            settings=settings,
                            variant=g.variant,
                            context=context,
                        )
                    },
                    "actions": {
                        "items": [
                            {
                                "href": _page_url(journey, step, change=True) + f"#{question.name}",
                                "text": _("Change"),
                                "visuallyHiddenText": label,
                            }
                        ]
                    },
                }
            )
    step = file_pages.files_step(journey)
    files = step and file_pages.check_answers_row(journey, state, _page_url(journey, step))
    if files:
        after = next(i for i, p in enumerate(journey.pages) if p is step)
        # Placed after the answers of the pages before it, as the journey asks them.
        asked_before = {q.name for p in journey.pages[:after] for q in p.questions}
        at = sum(1 for row in rows if row["key"].get("name") in asked_before)
        rows.insert(at, files)
    last = journey.shown_pages(state.answers)[-1]
    return render(
        "public/check_answers.html",
        picture="check",
        title=_("Check your answers before sending"),
        journey_name=journey.name.get(g.variant),
        rows=rows,
        back_url=_page_url(journey, last),
        anonymous=state.answers.get("anonymous") == "true",
        notice=notice,
    ), status


def _send(journey: Journey, state: JourneyState):
    received = datetime.now(UTC)
    try:
        submission, personal = build_rows(
            journey,
            state.answers,
            contract=parts().contract,
            context=Context(variant=g.variant, language=g.language, channel="online"),
            procedure=parts().procedure_code_for(
                {**state.answers, **journey.fixed}.get("service", "")
            ),
            received=received,
            unchecked=state.unchecked,
        )
    except IncompleteAnswers as error:
        target = error.page or journey.shown_pages(state.answers)[0]
        return redirect(_page_url(journey, target))
    try:
        ref, created = parts().store.commit_submission(
            # The draft's key: two clicks, or a resend after a lost reply, make one record.
            idempotency_key=state.key,
            submission=submission,
            personal=personal,
        )
    except (StoreWriteError, OSError):
        # Nothing was stored: say so plainly, keep every answer, and let them try again.
        return render(
            "public/not_sent.html",
            title=_("Sorry, your feedback has not been sent"),
            retry_url=_page_url(journey, None),
            journey_name=journey.name.get(g.variant),
        ), 503
    # Files added on the way go with it (a resend attaches nothing twice).
    file_pages.attach_to_case(state, ref)
    # The reference and kind only, never an answer: logs go to places answers must not.
    log.info("submission stored %s (%s, %s)", ref, journey.kind, "new" if created else "repeat")
    if honeypot.is_hit(request.form):
        if created:
            # Kept, not dropped: staff see it flagged and can release it.
            try:
                honeypot.quarantine(parts().store, parts().contract, ref)
            except (StoreWriteError, OSError):
                log.warning("submission %s not flagged as a honeypot hit: the store refused", ref)
    else:
        # The secret first: a letter acknowledging it carries the same secret, in the plain.
        secret = tracking_pages.make_secret(ref) if created else ""
        _queue_acknowledgement(ref, secret)
    # The answers leave the drafts now they are in the store; the key stays, so the stored
    # row says it has been sent. If the disk is full the draft stays as it was, until the
    # idle lifetime ends.
    try:
        state.forget_answers()
    except (DraftRefused, OSError):
        log.warning("draft of %s not cleared: the disk refused", ref)
    return redirect(_url("public.confirmation", journey=journey.slug), code=303)


def _queue_acknowledgement(ref: str, tracking_secret: str) -> None:
    """Queue the acknowledgement email, text or letter (when the person chose one) durably,
    after the submission and before the reference is shown. Should this fail, the message
    worker's sweep finds the submission with no acknowledgement and queues it, so the person
    is still shown their reference (the feedback itself is safe)."""
    try:
        parts().messenger.queue_acknowledgement(parts().store, ref, tracking_secret)
    except (OSError, sqlite3.Error, ValueError, KeyError) as error:
        log.error("acknowledgement of %s not queued (%s)", ref, type(error).__name__)


@_route("/<journey>/confirmation", "confirmation")
def confirmation(journey):
    journey = _journey(journey)
    state = JourneyState(journey.kind)
    if not state.sent:
        return redirect(url_for("public.journey_start", journey=journey.slug))
    if state.files:  # not attached when it was sent (a failed write): try again
        file_pages.attach_to_case(state, state.submitted["ref"])
    procedure = state.submitted.get("procedure") or ""
    received = datetime.fromisoformat(state.submitted["received"])
    dates = hear_back_dates(journey.kind, received, procedure)
    anonymous = state.submitted.get("anonymous") == "true"
    # Shown once: the secret leaves the session as it is shown.
    secret = tracking_pages.take_secret(state.submitted["ref"])
    volatile = {"reference": state.submitted["ref"]}
    if secret:
        volatile["tracking_secret"] = secret
    return render_kept(
        "public/confirmation.html",
        key=(journey.slug, anonymous, tuple(dates.items()), bool(secret), procedure),
        volatile=volatile,
        context=lambda: {
            "picture": "done",
            "title": _("Thank you: we have received it"),
            "journey": journey,
            "kind": journey.kind,
            "dates": dates,
            "anonymous": anonymous,
            "escalation": load_procedure(procedure or parts().settings.procedure).escalation,
            "again_url": url_for("public.journey_start", journey=journey.slug),
            "track_words": tracking_pages.page_words(),
            "track_url": url_for("public.track"),
            "equality": equality_pages.offer(journey.slug),
        },
    )


def _same_page_in(language: str) -> str:
    url = url_for(request.endpoint, **request.view_args, lang=language)
    return url + "?change=1" if request.args.get("change") else url


def _page_url(journey: Journey, step: Page | None, *, change: bool = False) -> str:
    slug = step.slug if step else CHECK
    url = _url("public.page", journey=journey.slug, page=slug)
    return url + "?change=1" if change else url


def _next_url(journey: Journey, state: JourneyState, step: Page) -> str:
    if request.args.get("change"):
        missing = first_unanswered(journey, state.answers)
        return _page_url(journey, missing)
    return _page_url(journey, journey.next_page(step.slug, state.answers))


# The tracking page's, the survey's, equality monitoring's and the investigators' answer pages'
# routes join this blueprint; they import it, so they are loaded last.
from . import equality_pages, respond_pages, survey_pages, tracking_pages  # noqa: E402, F401
