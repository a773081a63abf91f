"""Flask configuration: the secret key, cookie rules and request size limits."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

from .drafts import DRAFT_DAYS
from .settings import Settings


def configure(app: Flask, settings: Settings, overrides: dict) -> None:
    app.config.update(
        SECRET_KEY=os.environ.get("FORMS_APP_SECRET_KEY") or _secret_key(settings.data_dir),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Behind TLS in production (README): set FORMS_APP_SECURE_COOKIES=1.
        SESSION_COOKIE_SECURE=os.environ.get("FORMS_APP_SECURE_COOKIES") == "1",
        PERMANENT_SESSION_LIFETIME=timedelta(days=DRAFT_DAYS),
        # A long complaint is about 10,000 characters; Welsh and emoji take up to 4 bytes each.
        MAX_FORM_MEMORY_SIZE=200_000,
        MAX_CONTENT_LENGTH=1_000_000,
    )
    app.config.update(overrides)


def _secret_key(data_dir: Path) -> str:
    """A key made once per installation and kept beside the data (mode 0600), so sessions
    survive restarts and every worker agrees, with nothing to configure."""
    path = data_dir / ".secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text("ascii").strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
        handle.flush()
        os.fsync(handle.fileno())
    return path.read_text("ascii").strip()
