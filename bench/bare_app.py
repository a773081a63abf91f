"""The baseline for submissions: a bare Flask endpoint that only appends a line and fsyncs,
under the same lock discipline as the real store (flock on a separate lock file); and the same
append behind a POST-redirect-GET, to show what the redirect alone costs."""

from __future__ import annotations

import fcntl
import os

from flask import Flask, redirect, request


def create_bare_app() -> Flask:
    app = Flask(__name__)
    directory = os.environ["BENCH_BARE_DIR"]
    path = os.path.join(directory, "lines.txt")
    lock_path = os.path.join(directory, ".lock")

    @app.post("/append")
    def append():
        _append(request.form.get("text", ""))
        return "ok"

    # The same append, then what a form that follows the GOV.UK pattern must do: redirect
    # (POST, 303, GET) to a page carrying the reference. This is the ceiling for any such app.
    @app.post("/append-and-redirect")
    def append_and_redirect():
        _append(request.form.get("text", ""))
        return redirect("/done", code=303)

    @app.get("/done")
    def done():
        return "ok"

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
