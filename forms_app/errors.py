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
            from .checking import read_page
            from .journeys import JOURNEYS
            from .parts import parts
            from .public.views import render_question_page

            journey = JOURNEYS.get(request.view_args.get("journey", ""))
            step = journey.page(request.view_args.get("page", "")) if journey else None
            if step is not None and step.questions:
                from datetime import date

                answers, _problems = read_page(
                    step,
                    request.form,
                    {},
                    contract=parts().contract,
                    service_codes=parts().service_codes,
                    today=date.today(),
                )
                notice = _(
                    "We could not save that page because your session had ended. "
                    "Your answers are below: check them and select Continue."
                )
                return render_question_page(journey, step, answers, {}, notice=notice), 400
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


def _page(status: int, title: str, body: list[str]):
    g.setdefault("language", "en")
    return render_template("error.html", title=title, body=body), status
