"""The baseline for submissions: a bare Flask endpoint that only appends a line and fsyncs,
under the same lock discipline as the real store (flock on a separate lock file); the same
append behind a POST-redirect-GET, to show what the redirect alone costs; and that again with
what any Flask form must add, a signed session cookie and a CSRF token checked on the POST, to
show what the framework alone costs."""

from __future__ import annotations

import fcntl
import os

from flask import Flask, redirect, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf


def create_bare_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = os.urandom(32)
    csrf = CSRFProtect(app)
    directory = os.environ["BENCH_BARE_DIR"]
    path = os.path.join(directory, "lines.txt")
    lock_path = os.path.join(directory, ".lock")

    @app.post("/append")
    @csrf.exempt
    def append():
        _append(request.form.get("text", ""))
        return "ok"

    # The same append, then what a form that follows the GOV.UK pattern must do: redirect
    # (POST, 303, GET) to a page carrying the reference. This is the ceiling for any such app.
    @app.post("/append-and-redirect")
    @csrf.exempt
    def append_and_redirect():
        _append(request.form.get("text", ""))
        return redirect("/done", code=303)

    @app.get("/done")
    def done():
        return "ok"

    # The framework's floor: a session and a CSRF token (made before the clock starts), checked
    # on the POST; the GET reads the session to show what was stored. No journey, no checks,
    # no templates, one table.
    @app.get("/framework/start")
    def framework_start():
        session["started"] = True
        return generate_csrf()

    @app.post("/framework/append")
    def framework_append():
        _append(request.form.get("text", ""))
        session["sent"] = request.form.get("text", "")[:20]
        return redirect("/framework/done", code=303)

    @app.get("/framework/done")
    def framework_done():
        return f"ok {session.get('sent', '')}"

    def _append(text: str) -> None:
        line = (text + "\n").encode()
        lock = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        finally:
            os.close(lock)

    return app
