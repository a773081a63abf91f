"""Error pages in the person's language. No input, however strange, gives a bare server error,
and a lost session never loses what the person had just typed."""

from __future__ import annotations

import traceback

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def session_expired(_error):
        # Re-show the page they were on with their answers, and a fresh token.
        if request.endpoint == "public.page" and request.view_args:
            from forms_app.journeys import JOURNEYS

            journey = JOURNEYS.get(request.view_args.get("journey", ""))
            step = journey.page(request.view_args.get("page", "")) if journey else None
            if step is not None and step.questions:
                return _typed_page_again(journey, step)
        if request.blueprint == "staff":
            return _staff_typed_text()
        return _page(
            400,
            _("Your session has ended"),
            [_("For your security, we could not accept that form. Go back and try again.")],
        )

    @app.errorhandler(404)
    def not_found(_error):
        return _page(
            404,
            _("Page not found"),
            [_("If you typed the web address, check it is correct.")],
        )

    @app.errorhandler(413)
    def too_large(_error):
        return _page(
            413,
            _("What you sent is too long"),
            [
                _(
                    "Please go back, shorten your answer and try again. If you have a lot to "
                    "tell us, you can send it by email or post instead."
                )
            ],
        )

    @app.errorhandler(HTTPException)
    def other_http(error):
        return _page(error.code or 400, _("Sorry, there is a problem"), [_("Please try again.")])

    @app.errorhandler(Exception)
    def server_error(error):
        # The exception's message can quote what the person typed (a ValueError naming the
        # value, say): log its type and where it happened, never its text or the locals.
        app.logger.error(
            "unhandled %s on %s %s\n%s",
            type(error).__name__,
            request.method,
            request.path,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        return _page(
            500,
            _("Sorry, there is a problem with the service"),
            [_("Try again later. Your answers so far have been kept.")],
        )


def _typed_page_again(journey, step):
    """The question page again after a refused token, with every answer typed on it.

    The earlier answers come from the draft if the session still names one. A question shown
    only after an earlier answer (the email box after "contact me by email") is shown anyway
    when the person typed into it: with a lost session its condition cannot be known, and
    hiding it would throw their text away."""
    from dataclasses import replace
    from datetime import date

    from forms_app.journeys.answers import read_page
    from forms_app.public.journey_state import JourneyState
    from forms_app.public.views import render_question_page

    from .parts import parts

    earlier = JourneyState(journey.kind).answers
    typed = {
        question.name
        for question in step.questions
        if any(
            (key == question.name or key.startswith(question.name + "-")) and value.strip()
            for key, value in request.form.items(multi=True)
        )
    }
    shown = replace(
        step,
        questions=tuple(
            replace(question, show_if=None) if question.name in typed else question
            for question in step.questions
        ),
    )
    answers, _problems = read_page(
        shown,
        request.form,
        earlier,
        contract=parts().contract,
        service_codes=parts().service_codes,
        today=date.today(),
    )
    notice = _(
        "We could not save that page because your session had ended. "
        "Your answers are below: check them and select Continue."
    )
    return render_question_page(journey, shown, {**earlier, **answers}, {}, notice=notice), 400


#: Never shown back: the token, the second-factor code, and any password field.
_NOT_SHOWN = frozenset({"csrf_token", "code", "totp"})


def _staff_typed_text():
    """A staff form refused for its token (a sign-in that timed out while a long note was
    written): nothing is saved, but every text typed is shown, to copy back after signing in."""
    typed = [
        (name, value)
        for name, value in request.form.items(multi=True)
        # Whole names: a substring test would hide a postcode along with the code.
        if value.strip() and name not in _NOT_SHOWN and "password" not in name
    ]
    from forms_app.staff.context import render

    return render("staff/session_ended.html", typed=typed, title="Your session has ended"), 400


def _page(status: int, title: str, body: list[str]):
    g.setdefault("language", "en")
    return render_template("error.html", title=title, body=body), status
