"""Optional error reports to Sentry: off unless ``SENTRY_DSN`` is set.

When on, every event passes through ``scrub`` before it leaves: the request keeps only its
method, its address without the query string and a few headers that say nothing about a
person; the body, cookies, query string, user, local variables, exception messages (which can
quote what someone typed), breadcrumbs, extra data and the arguments of other libraries' log
lines are removed. The SDK is
also told not to collect personal data, local variables or request bodies in the first place
(https://docs.sentry.io/platforms/python/data-management/sensitive-data/), so the scrubber is
the second of two guards. ``SENTRY_ENVIRONMENT`` and ``SENTRY_RELEASE`` are passed on.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

#: Request headers kept in an event: what kind of request it was, nothing about who sent it.
SAFE_HEADERS = frozenset(
    {"accept", "accept-encoding", "accept-language", "content-length", "content-type", "host"}
)
SAFE_HEADERS_EXACT = frozenset({"x-request-id"})
#: Context sections kept: the runtime and machine, and the trace ids.
SAFE_CONTEXTS = frozenset({"runtime", "os", "trace"})
REMOVED = "[removed]"


def setup_sentry() -> bool:
    """Start the SDK if ``SENTRY_DSN`` is set; whether it was started."""
    dsn = os.environ.get("SENTRY_DSN", "").strip()
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[FlaskIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
        environment=os.environ.get("SENTRY_ENVIRONMENT") or None,
        release=os.environ.get("SENTRY_RELEASE") or None,
        before_send=scrub,
        before_breadcrumb=lambda _crumb, _hint: None,
    )
    return True


def scrub(event: dict, _hint: dict | None = None) -> dict:
    """The event with everything that could be personal removed (changed in place and
    returned, as Sentry's ``before_send`` expects)."""
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = _request(request)
    for key in ("user", "extra", "breadcrumbs", "modules"):
        event.pop(key, None)
    contexts = event.get("contexts")
    if isinstance(contexts, dict):
        event["contexts"] = {k: v for k, v in contexts.items() if k in SAFE_CONTEXTS}
    logentry = event.get("logentry")
    if isinstance(logentry, dict) and not _our_logger(event.get("logger")):
        event["logentry"] = {"message": str(logentry.get("message", ""))}
    if "message" in event:
        event["message"] = REMOVED
    exception = event.get("exception")
    values = exception.get("values") if isinstance(exception, dict) else None
    for value in values or []:
        if isinstance(value, dict):
            _exception(value)
    for thread in (event.get("threads") or {}).get("values") or []:
        if isinstance(thread, dict):
            _frames(thread.get("stacktrace"))
    return event


def _our_logger(name) -> bool:
    """The app's own log lines are written never to hold what a person typed (the canary tests
    in tests/security/test_logs.py check every one of them), so an event made from one keeps
    its whole text: the app's "unhandled ..." line is what says where an error was. Other
    libraries' lines keep only their fixed wording."""
    return isinstance(name, str) and (name == "forms_app" or name.startswith("forms_app."))


def _request(request: dict) -> dict:
    kept: dict = {}
    if isinstance(request.get("method"), str):
        kept["method"] = request["method"]
    if isinstance(request.get("url"), str):
        parts = urlsplit(request["url"])
        kept["url"] = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    headers = request.get("headers")
    if isinstance(headers, dict):
        kept["headers"] = {
            name: value
            for name, value in headers.items()
            if name.lower() in SAFE_HEADERS or name.lower() in SAFE_HEADERS_EXACT
        }
    return kept


def _exception(value: dict) -> None:
    if "value" in value:
        value["value"] = REMOVED
    _frames(value.get("stacktrace"))


def _frames(stacktrace) -> None:
    if not isinstance(stacktrace, dict):
        return
    for frame in stacktrace.get("frames") or []:
        if isinstance(frame, dict):
            frame.pop("vars", None)
