"""Logs as JSON lines on standard output, and one line for every request.

Under gunicorn, or in production, or when ``FORMS_APP_JSON_LOGS=1`` (``=0`` turns it off
everywhere), every log record goes to standard output as one JSON object: ``time`` (UTC),
``level``, ``logger``, ``message``, ``pid`` and, inside a request, its ``request_id``. Standard
output is where a container runtime or systemd's journal collects a service's logs.

When one process serves several organisations (``web.hosting``), each organisation's app has
its code from the hosting file in its configuration (``ORGANISATION_CODE``), and every record
made inside that app (its requests, and anything any logger writes while one is served) carries
it as ``organisation``: the code, such as ``northmoor``, never a person's name. A line of a
single organisation's installation has no ``organisation``.

Each request adds one line from the ``forms_app.requests`` logger with ``method``, ``route``
(the page's rule, ``/<journey>/<page>``, never the address with its values), ``status`` and
``duration_ms``. Never a query string, a form field, a cookie or a header value: the only value
taken from the request is its id, and only when it looks like one: 16 to 64 hexadecimal digits,
with dashes allowed (nginx's ``$request_id``, a UUID), which cannot spell a name or an address;
otherwise one is made.
The id is sent back in ``X-Request-Id`` so that a person's report of a problem, the proxy's
log and the app's log can be matched.

An exception is logged with its type and where it was raised, never its message, which can
quote what someone typed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import sys
import time
import traceback
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(r"[0-9A-Fa-f][0-9A-Fa-f-]{15,63}")
#: Methods logged (and counted) by name; anything else is "OTHER", so a made-up method can
#: carry nothing into the log.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: The route of a request that matched no page.
UNMATCHED = "<unmatched>"
REQUEST_FIELDS = ("method", "route", "status", "duration_ms")
#: The app configuration key holding the organisation's code when several share a process.
ORGANISATION_CODE = "ORGANISATION_CODE"

requests_log = logging.getLogger("forms_app.requests")


class JsonLines(logging.Formatter):
    """One JSON object per record, with only the fields named in this module."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = request_id
        organisation = getattr(record, "organisation", None)
        if organisation:
            line["organisation"] = organisation
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            kind, _error, trace = record.exc_info
            line["error"] = kind.__name__
            line["traceback"] = "".join(traceback.format_tb(trace))
        return json.dumps(line, ensure_ascii=False)


class _Stdout(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is when a record comes, not what it was when the
    handler was made (a test, or a server, may replace it in between)."""

    def __init__(self):
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


class _RequestId(logging.Filter):
    """Gives every record made during a request that request's id, and every record made inside
    an organisation's app (several in one process) that organisation's code."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = g.get("request_id")
        if not hasattr(record, "organisation") and has_app_context():
            record.organisation = organisation_code()
        return True


def organisation_code() -> str:
    """The code of the organisation whose app is answering ("" for a single installation)."""
    if not has_app_context():
        return ""
    return current_app.config.get(ORGANISATION_CODE) or ""


def json_logs_wanted(production: bool) -> bool:
    """``FORMS_APP_JSON_LOGS`` when it says yes or no; otherwise in production (the app
    factory says whether it is) or under gunicorn."""
    asked = os.environ.get("FORMS_APP_JSON_LOGS", "").strip().lower()
    if asked in ("1", "true", "yes", "on"):
        return True
    if asked in ("0", "false", "no", "off"):
        return False
    return production or os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")


def setup_json_logs(app: Flask) -> None:
    """Send every record at INFO and above to standard output as JSON lines (once per process:
    a second app made in the same process replaces the handler rather than adding one)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_forms_app_json", False):
            root.removeHandler(handler)
    handler = _Stdout()
    handler._forms_app_json = True
    handler.setFormatter(JsonLines())
    handler.addFilter(_RequestId())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # Flask's own handler would write the app's records a second time, to standard error.
    app.logger.removeHandler(default_handler)


def setup_request_log(app: Flask, on_response=None) -> None:
    """A request id for every request, and one log line when its response is ready.
    ``on_response(route, method, status, seconds, organisation)`` is told of each response too
    (``organisation``: the code of the organisation answering, "" for a single installation)."""

    @app.before_request
    def start_request():
        g.request_started = time.perf_counter()
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = sent if _REQUEST_ID.fullmatch(sent) else secrets.token_hex(16)

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        seconds = time.perf_counter() - started if started is not None else 0.0
        route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        method = request.method if request.method in METHODS else "OTHER"
        request_id = g.get("request_id") or secrets.token_hex(16)
        response.headers[REQUEST_ID_HEADER] = request_id
        requests_log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        if on_response is not None:
            on_response(route, method, response.status_code, seconds, organisation_code())
        return response
