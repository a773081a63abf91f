"""The baseline for submissions: a bare Flask endpoint that only appends a line and fsyncs,
under the same lock discipline as the real store (flock on a separate lock file)."""

from __future__ import annotations

import fcntl
import os

from flask import Flask, request


def create_bare_app() -> Flask:
    app = Flask(__name__)
    directory = os.environ["BENCH_BARE_DIR"]
    path = os.path.join(directory, "lines.txt")
    lock_path = os.path.join(directory, ".lock")

    @app.post("/append")
    def append():
        line = (request.form.get("text", "") + "\n").encode()
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
        return "ok"

    return app
