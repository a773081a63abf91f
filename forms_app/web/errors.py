"""Error pages in the person's language. No input, however strange, gives a bare server error,
and a lost session never loses what the person had just typed."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def register_error_pages(
    app: Flask, typed_again: Mapping[str, Callable[[], ResponseReturnValue | None]]
) -> None:
    """Error pages for every route. ``typed_again`` maps a blueprint's name to what shows its
    refused form again (a token that expired while someone typed): each surface knows its own
    forms, and returns None when it has nothing better than the plain page."""

    @app.errorhandler(CSRFError)
    def session_expired(_error):
        # The surface the form belongs to may show it again with what was typed on it.
        again = typed_again.get(request.blueprint or "")
        response = again() if again else None
        if response is not None:
            return response
        return _page(
            400,
            _("Your session has ended"),
            [_("For your security, we could not accept that form. Go back and try again.")],
        )

    @app.errorhandler(404)
    def not_found(_error):
        return not_found_page()

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


def not_found_page():
    """The plain "page not found" page, for an address that is not served here whatever the
    part of the site it names (the staff pages on the public host, for instance)."""
    return _page(
        404, _("Page not found"), [_("If you typed the web address, check it is correct.")]
    )


def _page(status: int, title: str, body: list[str]):
    g.setdefault("language", "en")
    return render_template("error.html", title=title, body=body), status
