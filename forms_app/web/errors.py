"""Error pages in the person's language. No input, however strange, gives a bare server error,
and a lost session never loses what the person had just typed.

A full disk is not a server error: the page says plainly that nothing was saved and to try
again in a few minutes (503, with ``Retry-After``). Any change the request made to the session
is dropped, so a step that could not be recorded (a staff sign-in whose audit line could not be
written) does not take effect in the browser either. A staff change is refused before it is
made when the data directory has no room left for its audit line (``ensure_room``), so the
audit log never misses a change that happened.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import traceback
from collections.abc import Callable, Mapping

from flask import Flask, g, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from forms_app.records.audit import AuditError
from forms_app.storage.store import StoreWriteError

from .parts import parts
from .uploads import drain_refused_upload, too_large_page

log = logging.getLogger(__name__)

DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
# Room a staff change needs for its events and its audit line, with a wide margin.
ROOM_FOR_A_CHANGE = 256 * 1024
RETRY_AFTER_SECONDS = 120


def disk_full(error: BaseException | None) -> bool:
    """Whether ``error``, or an error it was raised from, is the disk (or quota) being full."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, OSError) and error.errno in DISK_FULL:
            return True
        # SQLite (the message, sheet and tracking outboxes) says it in words, not by errno,
        # and a full disk met while opening its shared-memory file reads as an I/O error.
        if isinstance(error, sqlite3.OperationalError) and (
            "disk is full" in str(error) or ("disk I/O error" in str(error) and _no_room())
        ):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _no_room() -> bool:
    try:
        stats = os.statvfs(parts().settings.data_dir)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < ROOM_FOR_A_CHANGE


def ensure_room() -> None:
    """Refuse a staff change up front (AuditError) when the data directory cannot take it:
    a change made when its audit line then fails would be a change the log never saw."""
    if request.method != "POST" or request.blueprint != "staff":
        return
    # When it cannot tell, the audit write itself still refuses if it fails.
    if _no_room():
        raise AuditError("the data directory is full: no room for an audit line")


def register_error_pages(
    app: Flask, typed_again: Mapping[str, Callable[[], ResponseReturnValue | None]]
) -> None:
    """Error pages for every route. ``typed_again`` maps a blueprint's name to what shows its
    refused form again (a token that expired while someone typed): each surface knows its own
    forms, and returns None when it has nothing better than the plain page."""

    app.before_request(ensure_room)

    @app.errorhandler(AuditError)
    @app.errorhandler(StoreWriteError)
    def not_recorded(error):
        return _cannot_save(error)

    @app.errorhandler(OSError)
    def os_error(error):
        if disk_full(error):
            return _cannot_save(error)
        return server_error(error)

    @app.errorhandler(sqlite3.OperationalError)
    def sqlite_error(error):
        if disk_full(error):
            return _cannot_save(error)
        return server_error(error)

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
        drain_refused_upload()
        # A page that takes files says which were too big and keeps everything else.
        page = too_large_page()
        response = page() if page is not None else None
        if response is not None:
            return response
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


def _cannot_save(error: BaseException):
    # The kind of error only: its text can name a file, never what the person typed, but it
    # is the same for every request and says nothing a reader of the log needs.
    log.warning("not saved on %s %s: %s", request.method, request.path, type(error).__name__)
    g.setdefault("language", "en")
    staff = request.blueprint == "staff"
    page = render_template(
        "not_saved.html",
        base="staff/base.html" if staff else "base.html",
        service_name="Casework" if staff else None,
        staff_user=g.get("staff_user"),
        title=_("Sorry, we could not save that just now"),
        body=[
            _(
                "The service could not store what you sent, so nothing was saved or changed, "
                "and nothing was sent. Please try again in a few minutes."
            )
        ],
        typed=_typed(),
    )
    # Whatever this request put in the session (a sign-in, a new draft) did not happen: the
    # browser keeps the cookie it had. After drawing the page, which may touch the session.
    session.modified = False
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


#: Never shown back: the token, second-factor codes, the honeypot and the language switch.
_NOT_SHOWN = frozenset({"csrf_token", "code", "totp", "website", "switch_language"})


def _typed() -> list[tuple[str, str]]:
    """Every text typed into the refused form, to copy (passwords never)."""
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if value.strip() and name not in _NOT_SHOWN and "password" not in name
    ]


def not_found_page():
    """The plain "page not found" page, for an address that is not served here whatever the
    part of the site it names (the staff pages on the public host, for instance)."""
    return _page(
        404, _("Page not found"), [_("If you typed the web address, check it is correct.")]
    )


def _page(status: int, title: str, body: list[str]):
    g.setdefault("language", "en")
    return render_template("error.html", title=title, body=body), status
