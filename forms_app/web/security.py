"""Protection every response gets: CSRF on every form, a strict per-request content security
policy with a nonce (never ``unsafe-inline``), and headers that keep answers out of caches.

The header values are exact and tested as exact strings (tests/security/test_headers.py), the
way GOV.UK Notify tests its headers: change one here and the test says so.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

from flask import Flask, abort, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A "%" not starting an escape: no browser sends one (it sends %25).
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
# A carriage return that is not part of CRLF.
_LONE_CR = re.compile("\r(?!\n)")

CSP_TEMPLATE = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" on our own
    # form posts (the Fetch standard), and the same-origin check below needs the real origin.
    # Other sites still get no Referer at all, so nothing of an address leaves the service.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Sent only when the app is behind TLS (secure cookies on): two years, as GOV.UK does.
HSTS = "max-age=63072000; includeSubDomains"
NO_STORE = "no-store"


def explains_nul(view):
    """Mark a form's view as one that checks every field it reads for NUL characters itself and
    shows the form again with a message (and what was typed), so the blanket refusal of NULs
    leaves it alone."""
    view.explains_nul = True
    return view


def _explains_nul(app: Flask, endpoint: str | None) -> bool:
    if endpoint == "public.page":
        return True
    return bool(getattr(app.view_functions.get(endpoint or ""), "explains_nul", False))


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def protect(app: Flask) -> None:
    if _production():
        check_data_dir(app)
    # A slow typist must never lose a complaint to an expired token (Notify does the same).
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    # Behind a reverse proxy, FORMS_APP_PROXY_COUNT=1 trusts exactly one X-Forwarded-For hop,
    # so rate limits see the person's address, not the proxy's. Never more hops than there are
    # proxies: anyone can send the header.
    hops = int(os.environ.get("FORMS_APP_PROXY_COUNT", "0") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)

    @app.before_request
    def refuse_broken_encoding():
        # Werkzeug passes invalid UTF-8 through as literal "%FF" text and %00 as a real NUL.
        # Browsers always send valid UTF-8 from our pages, escape every "%" they send, and
        # turn every line break into CRLF, so a body breaking any of that is a broken client:
        # refuse it whole, before anything is read from it.
        if request.method not in WRITE_METHODS:
            return
        if request.mimetype == "application/x-www-form-urlencoded":
            raw = request.get_data(cache=True)
            if _BAD_ESCAPE.search(raw):
                abort(400)
            try:
                text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                abort(400)
            values = [text]
        elif request.mimetype == "multipart/form-data":
            values = [value for _name, value in request.form.items(multi=True)]
            # Werkzeug decodes multipart parts with errors="replace": U+FFFD marks bad bytes.
            if any("\ufffd" in value for value in values):
                abort(400)
        else:
            return
        for value in values:
            if _LONE_CR.search(value):
                abort(400)
            # The public question pages say kindly which answer holds a NUL (journeys/answers.py),
            # as do the forms marked with ``explains_nul``; everywhere else a NUL would reach
            # the store, which refuses it.
            if "\x00" in value and not _explains_nul(app, request.endpoint):
                abort(400)

    # Same-origin protection for every form, over HTTPS and plain HTTP alike, replacing
    # Flask-WTF's strict HTTPS check: that one refuses every HTTPS post without a Referer, and
    # browsers leave the Referer out whenever a referrer policy, a privacy setting or an
    # extension says so, so behind a TLS proxy no form could be sent. The Origin header is
    # sent by every current browser on every POST and cannot be removed by a page.
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)

    @app.before_request
    def refuse_other_origins():
        if request.method not in WRITE_METHODS or request.endpoint in (None, "static"):
            return
        sent_from = request.headers.get("Origin")
        if sent_from is None:
            # No Origin: a browser too old to send one (it sends a Referer), or a program that
            # is not a browser and so carries no other site's cookies. The token still counts.
            sent_from = request.headers.get("Referer")
        if sent_from is not None and not same_origin(sent_from):
            # Shown as the "session ended" page, which keeps what was typed, as a bad token is.
            raise CSRFError("The form was sent from another site.")

    # After the encoding check: CSRF parses the form, and a parsed body is no longer readable.
    csrf.init_app(app)

    @app.after_request
    def headers(response):
        apply_headers(app, response, request.path)
        return response


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an address, or None for "null" and anything unreadable."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname or port is None:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def same_origin(sent_from: str) -> bool:
    """Whether an Origin or Referer value is this service's own address: the same host and
    port, over HTTPS whenever this request came over HTTPS (a page served over plain HTTP could
    have been written by anyone on the network). ``request.scheme`` is the browser's when a
    trusted proxy says so (FORMS_APP_PROXY_COUNT)."""
    theirs = _origin(sent_from)
    ours = _origin(f"{request.scheme}://{request.host}/")
    if theirs is None or ours is None:
        return False
    if theirs == ours:
        return True
    # Served as plain HTTP to the app but shown over HTTPS by a proxy the app does not trust
    # to say so: the HTTPS page of the same host is ours too.
    return ours[0] == "http" and theirs[0] == "https" and theirs[1] == ours[1]


def apply_headers(app: Flask, response, path: str) -> None:
    headers = response.headers
    csp = CSP_TEMPLATE.format(nonce=csp_nonce())
    hsts = bool(app.config.get("SESSION_COOKIE_SECURE"))
    # Pages can show a person's answers: never keep them in any cache. Only a static file
    # itself may be cached; an error or redirect at a static address is not the file.
    no_store = not (path.startswith("/static/") and response.status_code in (200, 206, 304))
    if any(name.lower() in _OURS for name, _value in headers):
        _replace_headers(headers, csp, hsts, no_store)
        return
    # The usual case: none of them is there yet, so they are added in one go, in the same
    # order and with the same values as replacing them one by one (which searches the headers
    # once for each).
    added = [("Content-Security-Policy", csp), *FIXED_HEADERS.items()]
    if hsts:
        added.append(("Strict-Transport-Security", HSTS))
    if no_store:
        added.append(("Cache-Control", NO_STORE))
    headers.extend(added)


def _replace_headers(headers, csp: str, hsts: bool, no_store: bool) -> None:
    headers["Content-Security-Policy"] = csp
    for name, value in FIXED_HEADERS.items():
        headers[name] = value
    if hsts:
        headers["Strict-Transport-Security"] = HSTS
    if no_store:
        headers["Cache-Control"] = NO_STORE
        headers.pop("Expires", None)
        headers.pop("Pragma", None)


_OURS = frozenset(
    name.lower()
    for name in (
        "Content-Security-Policy",
        *FIXED_HEADERS,
        "Strict-Transport-Security",
        "Cache-Control",
        "Expires",
        "Pragma",
    )
)


# Written by storage/contract.py with the process umask and holding only the published schemas.
PUBLIC_IN_DATA_DIR = frozenset({"datapackage.json"})


def _production() -> bool:
    from .config import is_production

    return is_production()


def _open_to_others(path: Path) -> bool:
    try:
        return not path.is_symlink() and bool(path.stat().st_mode & 0o077)
    except FileNotFoundError:
        # Gone since it was listed: a temporary file (a draft being saved, a readiness probe)
        # of a worker already serving while this one starts.
        return False


def check_data_dir(app: Flask) -> None:
    """In production: from now on create files 0600 and directories 0700 whatever the code path
    (umask 077), and refuse to start while the data directory, or anything in it but the public
    schemas, is open to the group or to others."""
    from .config import UnsafeConfiguration
    from .parts import EXTENSION

    os.umask(0o077)
    data_dir = app.extensions[EXTENSION].settings.data_dir
    loose = [
        path
        for path in [data_dir, *data_dir.rglob("*")]
        if path.name not in PUBLIC_IN_DATA_DIR and _open_to_others(path)
    ]
    if loose:
        shown = ", ".join(f"{p} ({oct(p.stat().st_mode & 0o777)})" for p in loose[:5])
        raise UnsafeConfiguration(
            "refusing to start in production: the data directory is readable or writable by "
            f"others: {shown}. Run: chmod -R go-rwx {data_dir}"
        )
