"""Protection every response gets: CSRF on every form, a strict per-request content security
policy with a nonce (never ``unsafe-inline``), and headers that keep answers out of caches.

The header values are exact and tested as exact strings (tests/test_security_headers.py), the
way GOV.UK Notify tests its headers: change one here and the test says so.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import unquote_to_bytes

from flask import Flask, abort, g, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()

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
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Sent only when the app is behind TLS (secure cookies on): two years, as GOV.UK does.
HSTS = "max-age=63072000; includeSubDomains"
NO_STORE = "no-store"


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def protect(app: Flask) -> None:
    # A slow typist must never lose a complaint to an expired token (Notify does the same).
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    # Behind a reverse proxy, FORMS_APP_PROXY_COUNT=1 trusts exactly one X-Forwarded-For hop,
    # so rate limits see the person's address, not the proxy's (plan gotcha 24). Never more
    # hops than there are proxies: anyone can send the header.
    hops = int(os.environ.get("FORMS_APP_PROXY_COUNT", "0") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)

    @app.before_request
    def refuse_broken_encoding():
        # Werkzeug passes invalid UTF-8 through as literal "%FF" text. Browsers always send
        # valid UTF-8 from our pages, so such a body is a broken client: refuse it whole.
        if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
            raw = request.get_data(cache=True)
            try:
                unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                abort(400)

    # After the encoding check: CSRF parses the form, and a parsed body is no longer readable.
    csrf.init_app(app)

    @app.after_request
    def headers(response):
        apply_headers(app, response, request.path)
        return response


def apply_headers(app: Flask, response, path: str) -> None:
    response.headers["Content-Security-Policy"] = CSP_TEMPLATE.format(nonce=csp_nonce())
    for name, value in FIXED_HEADERS.items():
        response.headers[name] = value
    if app.config.get("SESSION_COOKIE_SECURE"):
        response.headers["Strict-Transport-Security"] = HSTS
    if not path.startswith("/static/"):
        # Pages can show a person's answers: never keep them in any cache.
        response.headers["Cache-Control"] = NO_STORE
        response.headers.pop("Expires", None)
        response.headers.pop("Pragma", None)
