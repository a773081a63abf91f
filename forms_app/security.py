"""Protection every response gets: CSRF on every form, a strict per-request content security
policy with a nonce (never ``unsafe-inline``), and headers that keep answers out of caches."""

from __future__ import annotations

import secrets

from urllib.parse import unquote_to_bytes

from flask import Flask, abort, g, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def protect(app: Flask) -> None:
    # A slow typist must never lose a complaint to an expired token (Notify does the same).
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

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
        nonce = csp_nonce()
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "connect-src 'self'; form-action 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if not request.path.startswith("/static/"):
            # Pages can show a person's answers: never keep them in any cache.
            response.headers["Cache-Control"] = "no-store"
        return response
